# Mistake: adds only whole tokens and resets the timestamp on every request, so the fraction of a token earned between requests is thrown away
import time


class TokenBucket:
    def __init__(self, rate, capacity, clock=time.monotonic):
        if rate <= 0 or capacity <= 0:
            raise ValueError("rate and capacity must be positive")
        self.rate = rate
        self.capacity = capacity
        self.clock = clock
        self.tokens = capacity
        self.last = clock()

    def allow(self, cost=1):
        now = self.clock()
        if now > self.last:
            self.tokens = min(self.capacity, self.tokens + int((now - self.last) * self.rate))
            self.last = now
        if self.tokens >= cost:
            self.tokens -= cost
            return True
        return False
