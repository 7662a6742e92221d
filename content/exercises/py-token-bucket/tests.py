# Hidden tests for py-token-bucket. Time comes from a fake clock; nothing sleeps. Rates and times
# are powers of two, so the token arithmetic is exact whatever formula a solution uses.
from harness import load, test


class FakeClock:
    def __init__(self, now=100.0):
        self.now = now

    def __call__(self):
        return self.now


def make(mod, rate, capacity, now=100.0):
    clock = FakeClock(now)
    return mod.TokenBucket(rate, capacity, clock=clock), clock


def expect(bucket, cost, expected, situation):
    result = bucket.allow(cost)
    assert result is expected, f"{situation}: allow({cost}) should return {expected}, got {result!r}"


def drain(bucket, capacity, situation="to empty the bucket"):
    for n in range(capacity):
        expect(bucket, 1, True, f"request {n + 1} of {capacity} {situation}")


@test("a new bucket starts full: capacity requests pass at once, the next is refused")
def _():
    mod = load()
    bucket, clock = make(mod, 1, 5)
    results = [bucket.allow() for _ in range(6)]
    assert results == [True] * 5 + [False], (
        f"a new bucket with capacity 5 should allow 5 requests at once and refuse the 6th, got {results}"
    )


@test("a refused request consumes nothing")
def _():
    mod = load()
    bucket, clock = make(mod, 1, 4)
    expect(bucket, 3, True, "a full bucket of 4")
    expect(bucket, 2, False, "with 1 token left")
    expect(bucket, 1, True, "with 1 token left after a refused request (the refusal must not consume it)")
    expect(bucket, 1, False, "once the last token is used")


@test("refills continuously at rate tokens per second, fractions included")
def _():
    mod = load()
    bucket, clock = make(mod, 2, 4)
    drain(bucket, 4)
    clock.now = 100.25
    expect(bucket, 1, False, "0.25 s after emptying at 2 tokens/s (half a token)")
    clock.now = 100.5
    expect(bucket, 1, True, "0.5 s after emptying at 2 tokens/s (one token, even though a request came in between)")
    expect(bucket, 1, False, "right after using the refilled token")
    clock.now = 100.75
    expect(bucket, 1, False, "another 0.25 s later (half a token)")
    clock.now = 101.0
    expect(bucket, 1, True, "another 0.5 s later (one token)")
    clock.now = 102.0
    expect(bucket, 2, True, "1 s later at 2 tokens/s (two tokens)")
    expect(bucket, 1, False, "right after using both refilled tokens")


@test("never holds more than capacity tokens, however long it stays idle")
def _():
    mod = load()
    bucket, clock = make(mod, 4, 3)
    drain(bucket, 3)
    clock.now += 1000.0
    drain(bucket, 3, "after 1000 s idle")
    expect(bucket, 1, False, "after using the 3 tokens of a bucket idle for 1000 s (capacity 3)")
    clock.now += 1000.0
    expect(bucket, 4, False, "a request of 4 tokens after 1000 s idle, with capacity 3")


@test("a request costing several tokens passes only when that many are available")
def _():
    mod = load()
    bucket, clock = make(mod, 1, 10)
    expect(bucket, 4, True, "a full bucket of 10")
    expect(bucket, 4, True, "with 6 tokens")
    expect(bucket, 4, False, "with 2 tokens")
    clock.now += 1.0
    expect(bucket, 4, False, "with 3 tokens (1 s later at 1 token/s)")
    clock.now += 1.0
    expect(bucket, 4, True, "with 4 tokens (2 s later at 1 token/s)")
    expect(bucket, 1, False, "once the bucket is empty")


@test("a cost larger than capacity is always refused and consumes nothing")
def _():
    mod = load()
    bucket, clock = make(mod, 1, 4)
    expect(bucket, 5, False, "a full bucket of capacity 4")
    clock.now += 500.0
    expect(bucket, 5, False, "a bucket of capacity 4 after 500 s idle")
    expect(bucket, 4, True, "a full bucket of 4 after refusing a request of 5 (the refusal must consume nothing)")


@test("rate or capacity of zero or below raises ValueError")
def _():
    mod = load()
    for rate, capacity in ((0, 5), (-1, 5), (1, 0), (2, -3)):
        try:
            mod.TokenBucket(rate, capacity, clock=FakeClock())
        except ValueError:
            continue
        except Exception as exc:  # noqa: BLE001
            raise AssertionError(
                f"TokenBucket(rate={rate}, capacity={capacity}) should raise ValueError, got {type(exc).__name__}: {exc}"
            ) from None
        raise AssertionError(f"TokenBucket(rate={rate}, capacity={capacity}) should raise ValueError")


@test("a clock going backwards adds no tokens and takes none away")
def _():
    mod = load()
    bucket, clock = make(mod, 1, 10)
    expect(bucket, 6, True, "a full bucket of 10")
    clock.now = 90.0  # 10 s back
    expect(bucket, 5, False, "with 4 tokens, after the clock went back 10 s (no tokens may be added)")
    expect(bucket, 4, True, "with 4 tokens, after the clock went back 10 s (none may be taken away)")
    expect(bucket, 1, False, "once the bucket is empty, the clock still behind")


@test("time regained after the clock went backwards is not credited twice")
def _():
    mod = load()
    bucket, clock = make(mod, 1, 10)
    expect(bucket, 10, True, "a full bucket of 10")
    clock.now = 95.0
    expect(bucket, 1, False, "an empty bucket after the clock went back from 100 to 95")
    clock.now = 100.0
    expect(bucket, 1, False, "back at 100, the highest reading already seen (no time has passed)")
    clock.now = 101.0
    expect(bucket, 1, True, "at 101, 1 s past the highest reading seen (one token)")
    expect(bucket, 1, False, "right after using that token")


@test("each bucket keeps its own tokens")
def _():
    mod = load()
    clock = FakeClock()
    partner = mod.TokenBucket(1, 2, clock=clock)
    mobile_app = mod.TokenBucket(1, 2, clock=clock)
    drain(partner, 2, "for the first bucket")
    expect(partner, 1, False, "the first bucket, emptied")
    expect(mobile_app, 1, True, "a second bucket, untouched while the first was emptied")
