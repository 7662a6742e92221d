# Mistake: a success in the closed state does not reset the failure count, so scattered failures add up and open a healthy circuit
import time


class CircuitOpenError(Exception):
    pass


class CircuitBreaker:
    def __init__(self, failure_threshold, recovery_timeout, clock=time.monotonic):
        self.failure_threshold = failure_threshold
        self.recovery_timeout = recovery_timeout
        self._clock = clock
        self._failures = 0
        self._opened_at = None

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
            raise CircuitOpenError("circuit open")
        try:
            result = fn(*args, **kwargs)
        except Exception:
            self._failures += 1
            if state == "half_open" or self._failures >= self.failure_threshold:
                self._opened_at = self._clock()
            raise
        if state == "half_open":
            self._failures = 0
        self._opened_at = None
        return result
