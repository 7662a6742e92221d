# Mistake: counts failures outside the lock (read the count, read the clock for the opening time, write the count back), so failures from concurrent threads overwrite each other and the circuit never opens
import threading
import time


class CircuitOpenError(Exception):
    """Raised by CircuitBreaker.call when the circuit is open."""


class CircuitBreaker:
    def __init__(self, failure_threshold, recovery_timeout, clock=time.monotonic):
        self.failure_threshold = failure_threshold
        self.recovery_timeout = recovery_timeout
        self._clock = clock
        # One lock guards every field below. It is never held while the service runs, so a
        # slow call blocks neither the other callers nor a reader of `state`.
        self._lock = threading.Lock()
        self._failures = 0
        self._opened_at = None  # None while closed
        self._trial_running = False  # the one half-open trial call is in flight
        self._generation = 0  # bumped on every open and close: a late outcome is stale

    def _state(self):  # the lock is held
        if self._opened_at is None:
            return "closed"
        if self._clock() - self._opened_at >= self.recovery_timeout:
            return "half_open"
        return "open"

    def _open(self):  # the lock is held
        self._opened_at = self._clock()  # a fresh recovery timer
        self._failures = 0
        self._generation += 1

    def _close(self):  # the lock is held
        self._opened_at = None
        self._failures = 0
        self._generation += 1

    @property
    def state(self):
        with self._lock:
            return self._state()

    def call(self, fn, *args, **kwargs):
        with self._lock:
            state = self._state()
            if state == "open" or (state == "half_open" and self._trial_running):
                raise CircuitOpenError(f"circuit {state}: the call was not attempted")
            trial = state == "half_open"
            if trial:
                self._trial_running = True  # taken and checked under the same lock
            generation = self._generation
        try:
            result = fn(*args, **kwargs)
        except Exception:
            if trial:
                with self._lock:
                    self._open()  # the trial failed: open again, for a fresh timeout
            elif generation == self._generation:  # let through in this closed period
                failures = self._failures + 1
                failed_at = self._clock()
                self._failures = failures
                if failures >= self.failure_threshold:
                    with self._lock:
                        self._opened_at = failed_at
                        self._failures = 0
                        self._generation += 1
            raise
        else:
            with self._lock:
                if trial:
                    self._close()
                elif generation == self._generation:
                    self._failures = 0
            return result
        finally:
            if trial:
                with self._lock:
                    self._trial_running = False  # however the trial ended
