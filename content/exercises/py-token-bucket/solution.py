import threading
import time


class TokenBucket:
    def __init__(self, rate, capacity, clock=time.monotonic):
        if rate <= 0 or capacity <= 0:
            raise ValueError("rate and capacity must be greater than 0")
        self.rate = rate
        self.capacity = capacity
        self._clock = clock
        self._tokens = float(capacity)  # starts full
        self._last = clock()  # the highest clock reading seen so far
        self._lock = threading.Lock()  # a gateway serves many requests at once

    def _refill(self):
        now = self._clock()
        if now > self._last:  # a clock that went backwards adds nothing
            self._tokens = min(self.capacity, self._tokens + (now - self._last) * self.rate)
            self._last = now

    def allow(self, cost=1):
        with self._lock:
            self._refill()
            if cost <= self._tokens:
                self._tokens -= cost
                return True
            return False
