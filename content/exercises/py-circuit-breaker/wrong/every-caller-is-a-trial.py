# Mistake: no lock and no trial slot: once the timeout passes, every concurrent caller is let through as a trial, so a recovering service gets the full load at once
import time


class CircuitOpenError(Exception):
    """Raised by CircuitBreaker.call when the circuit is open."""


class CircuitBreaker:
    def __init__(self, failure_threshold, recovery_timeout, clock=time.monotonic):
        self.failure_threshold = failure_threshold
        self.recovery_timeout = recovery_timeout
        self._clock = clock
        self._failures = 0
        self._opened_at = None  # None while closed

    @property
    def state(self):
        if self._opened_at is None:
            return "closed"
        if self._clock() - self._opened_at >= self.recovery_timeout:
            return "half_open"
        return "open"

    def call(self, fn, *args, **kwargs):
        state = self.state
        if state == "open":
            raise CircuitOpenError("circuit open: the call was not attempted")
        try:
            result = fn(*args, **kwargs)
        except Exception:
            if state == "half_open":
                self._opened_at = self._clock()  # the trial failed: a fresh timer
            else:
                self._failures += 1
                if self._failures >= self.failure_threshold:
                    self._opened_at = self._clock()
            raise
        self._failures = 0
        self._opened_at = None
        return result
