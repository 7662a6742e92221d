# Mistake: the state is a plain attribute updated only inside call(), so it still reads 'open' after the recovery timeout until someone calls
import time


class CircuitOpenError(Exception):
    pass


class CircuitBreaker:
    def __init__(self, failure_threshold, recovery_timeout, clock=time.monotonic):
        self.failure_threshold = failure_threshold
        self.recovery_timeout = recovery_timeout
        self.clock = clock
        self.state = "closed"
        self.failures = 0
        self.opened_at = 0.0

    def call(self, fn, *args, **kwargs):
        if self.state == "open":
            if self.clock() - self.opened_at >= self.recovery_timeout:
                self.state = "half_open"
            else:
                raise CircuitOpenError("circuit open")
        try:
            result = fn(*args, **kwargs)
        except Exception:
            if self.state == "half_open":
                self.state = "open"
                self.opened_at = self.clock()
            else:
                self.failures += 1
                if self.failures >= self.failure_threshold:
                    self.state = "open"
                    self.opened_at = self.clock()
            raise
        self.state = "closed"
        self.failures = 0
        return result
