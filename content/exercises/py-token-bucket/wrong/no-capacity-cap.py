# Mistake: refills without capping at capacity, so a client idle for an hour gets an hour's worth of burst
import time


class TokenBucket:
    def __init__(self, rate, capacity, clock=time.monotonic):
        if rate <= 0 or capacity <= 0:
            raise ValueError("rate and capacity must be positive")
        self.rate = rate
        self.capacity = capacity
        self.clock = clock
        self.tokens = float(capacity)
        self.last = clock()

    def allow(self, cost=1):
        now = self.clock()
        if now > self.last:
            self.tokens += (now - self.last) * self.rate
            self.last = now
        if self.tokens >= cost:
            self.tokens -= cost
            return True
        return False
