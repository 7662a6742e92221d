import time


class TokenBucket:
    def __init__(self, rate, capacity, clock=time.monotonic):
        """rate: tokens added per second; capacity: the most tokens the bucket holds."""
        # Your code here.
        pass

    def allow(self, cost=1):
        """Refill for the elapsed time, then take `cost` tokens if there are enough."""
        # Your code here.
        pass
