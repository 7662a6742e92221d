# Alternative: explicit fields under one lock; each call remembers the opening it was admitted under, so a late outcome from an earlier period is ignored; one trial at a time in half_open
import threading
import time


class CircuitOpenError(Exception):
    pass


class CircuitBreaker:
    """State kept as explicit fields; a call remembers the opening count it was admitted under."""

    def __init__(self, failure_threshold, recovery_timeout, clock=time.monotonic):
        self.failure_threshold = failure_threshold
        self.recovery_timeout = recovery_timeout
        self.clock = clock
        self.mutex = threading.Condition()
        self.consecutive = 0
        self.open_since = None
        self.openings = 0
        self.probing = False

    def _current(self):
        if self.open_since is None:
            return "closed"
        elapsed = self.clock() - self.open_since
        return "open" if elapsed < self.recovery_timeout else "half_open"

    @property
    def state(self):
        with self.mutex:
            return self._current()

    def _admit(self):
        with self.mutex:
            current = self._current()
            if current == "closed":
                return False, self.openings
            if current == "half_open" and not self.probing:
                self.probing = True
                return True, self.openings
            raise CircuitOpenError(f"circuit is {current}")

    def call(self, fn, *args, **kwargs):
        probe, admitted_under = self._admit()
        ok = False
        try:
            value = fn(*args, **kwargs)
            ok = True
            return value
        except Exception:
            raise
        finally:
            with self.mutex:
                if probe:
                    self.probing = False
                    if ok:
                        self.open_since = None
                        self.consecutive = 0
                    else:
                        self.open_since = self.clock()
                    self.openings += 1
                elif admitted_under == self.openings and self.open_since is None:
                    if ok:
                        self.consecutive = 0
                    else:
                        self.consecutive += 1
                        if self.consecutive >= self.failure_threshold:
                            self.open_since = self.clock()
                            self.consecutive = 0
                            self.openings += 1
