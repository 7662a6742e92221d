# Diagnosis case: no-capacity-cap.py (adds the refill with += and never caps it)
import threading
import time


class TokenBucket:
    def __init__(self, rate, capacity, clock=time.monotonic):
        if rate <= 0 or capacity <= 0:
            raise ValueError("rate and capacity must be greater than 0")
        self.rate = rate
        self.capacity = capacity
        self._clock = clock
        self._tokens = float(capacity)
        self._last = clock()

    def allow(self, cost=1):
        now = self._clock()
        elapsed = now - self._last
        if elapsed > 0:
            self._tokens += elapsed * self.rate
            self._last = now
        if self._tokens >= cost:
            self._tokens -= cost
            return True
        return False
