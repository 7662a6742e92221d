# A visible example: a burst up to the capacity, then one request per refilled token.
from harness import load, test


class FakeClock:
    def __init__(self, now=100.0):
        self.now = now

    def __call__(self):
        return self.now


@test("allows a burst of capacity requests, then one more after half a second at 2 tokens per second")
def _():
    mod = load()
    clock = FakeClock()
    bucket = mod.TokenBucket(rate=2, capacity=4, clock=clock)
    burst = [bucket.allow() for _ in range(5)]
    assert burst == [True, True, True, True, False], f"a full bucket of 4 should allow 4 requests and refuse the 5th, got {burst}"
    clock.now += 0.5
    assert bucket.allow() is True, "after 0.5 s at 2 tokens per second, one request should be allowed"
    assert bucket.allow() is False, "the token refilled in 0.5 s should be used up by one request"
