# Hidden tests for py-retry-backoff. `sleep` records the delays instead of sleeping; `rand` is a
# function whose value the test controls (never an iterator: solutions may call it any number
# of times, as long as each wait uses a fresh draw).
import math

from harness import load, test


class Transient(ConnectionError):
    pass


class Clock:
    """Records the calls to fn and the sleeps, in order."""

    def __init__(self):
        self.events = []

    @property
    def delays(self):
        return [seconds for kind, seconds in self.events if kind == "sleep"]

    @property
    def calls(self):
        return sum(1 for kind, _ in self.events if kind == "call")

    def sleep(self, seconds):
        self.events.append(("sleep", seconds))


class Flaky:
    """fn for retry(): raises the given exceptions one per call, then returns `result`."""

    def __init__(self, clock, failures, result="ok"):
        self.clock = clock
        self.failures = list(failures)
        self.result = result
        self.raised = []

    def __call__(self, *args, **kwargs):
        assert not args and not kwargs, f"fn should be called with no arguments, got {args} {kwargs}"
        self.clock.events.append(("call", None))
        if self.failures:
            exc = self.failures.pop(0)
            self.raised.append(exc)
            raise exc
        return self.result


def rand_const(value):
    return lambda: value


def rand_per_retry(clock, values):
    """rand() returns values[i] while the helper prepares the wait before retry i."""
    return lambda: values[min(len(clock.delays), len(values) - 1)]


def describe(exc):
    return f"{type(exc).__name__}({str(exc)!r})"


def same_delays(actual, expected):
    return len(actual) == len(expected) and all(
        isinstance(a, (int, float)) and math.isclose(a, e, rel_tol=1e-9, abs_tol=1e-12)
        for a, e in zip(actual, expected)
    )


def run(mod, fn, clock, **kwargs):
    """(result, exception) of retry(fn, ...)."""
    try:
        return mod.retry(fn, sleep=clock.sleep, **kwargs), None
    except Exception as exc:  # noqa: BLE001 - inspected by the tests
        return None, exc


def all_failing(count):
    return [Transient(f"attempt {n} failed") for n in range(1, count + 1)]


@test("returns the result at once and never sleeps when the first call succeeds")
def _():
    mod = load()
    clock = Clock()
    result, exc = run(mod, Flaky(clock, [], "paid"), clock, attempts=5, base_delay=1.0,
                      max_delay=10.0, rand=rand_const(0.5))
    assert exc is None, f"retry raised {describe(exc)} although the first call succeeded"
    assert result == "paid", f"retry should return fn's result 'paid', got {result!r}"
    assert clock.calls == 1, f"fn should be called once when it succeeds at once, was called {clock.calls} times"
    assert clock.delays == [], f"retry should not sleep when the first call succeeds, slept {clock.delays}"


@test("retries after transient failures and returns the first success")
def _():
    mod = load()
    clock = Clock()
    fn = Flaky(clock, all_failing(2), "paid")
    result, exc = run(mod, fn, clock, attempts=5, base_delay=1.0, max_delay=10.0, rand=rand_const(0.5))
    assert exc is None, f"retry raised {describe(exc)} although the third call succeeded (5 attempts allowed)"
    assert result == "paid", f"retry should return the first successful result 'paid', got {result!r}"
    assert clock.calls == 3, f"fn should be called 3 times (2 failures, then the success), was called {clock.calls} times"
    assert len(clock.delays) == 2, f"retry should sleep once before each of the 2 retries, slept {clock.delays}"


@test("waits rand() * base_delay * 2**i before retry i")
def _():
    mod = load()
    clock = Clock()
    fn = Flaky(clock, all_failing(5))
    run(mod, fn, clock, attempts=5, base_delay=1.0, max_delay=100.0, rand=rand_const(0.5))
    expected = [0.5, 1.0, 2.0, 4.0]
    assert same_delays(clock.delays, expected), (
        f"with base_delay=1, max_delay=100 and rand() = 0.5, the waits before retries 0..3 should be "
        f"{expected}, got {clock.delays}"
    )


@test("caps the exponential delay at max_delay before applying the jitter")
def _():
    mod = load()
    clock = Clock()
    fn = Flaky(clock, all_failing(6))
    run(mod, fn, clock, attempts=6, base_delay=1.0, max_delay=3.0, rand=rand_const(0.5))
    expected = [0.5, 1.0, 1.5, 1.5, 1.5]
    assert same_delays(clock.delays, expected), (
        f"with base_delay=1, max_delay=3 and rand() = 0.5, each wait should be 0.5 * min(3, 2**i): "
        f"{expected}, got {clock.delays}"
    )


@test("draws a fresh rand() for every retry")
def _():
    mod = load()
    clock = Clock()
    fn = Flaky(clock, all_failing(5))
    values = [0.1, 0.9, 0.25, 0.5, 0.5]
    run(mod, fn, clock, attempts=5, base_delay=1.0, max_delay=100.0, rand=rand_per_retry(clock, values))
    expected = [0.1, 1.8, 1.0, 4.0]
    assert same_delays(clock.delays, expected), (
        f"when rand() returns 0.1, 0.9, 0.25, 0.5 for retries 0..3 (base_delay=1), the waits should be "
        f"{expected}, got {clock.delays}"
    )


@test("full jitter scales the whole delay by rand(): rand() of 0 waits nothing")
def _():
    mod = load()
    clock = Clock()
    run(mod, Flaky(clock, all_failing(4)), clock, attempts=4, base_delay=2.0, max_delay=100.0,
        rand=rand_const(0.0))
    # Waiting 0 s or not calling sleep at all are the same thing here.
    assert all(isinstance(d, (int, float)) and d == 0 for d in clock.delays), (
        f"with rand() = 0 every wait should be 0 (full jitter multiplies the whole delay), got {clock.delays}"
    )
    clock = Clock()
    run(mod, Flaky(clock, all_failing(4)), clock, attempts=4, base_delay=2.0, max_delay=100.0,
        rand=rand_const(0.75))
    expected = [1.5, 3.0, 6.0]
    assert same_delays(clock.delays, expected), (
        f"with base_delay=2 and rand() = 0.75 the waits should be {expected}, got {clock.delays}"
    )


@test("sleeps only between attempts: never before the first call nor after the last")
def _():
    mod = load()
    clock = Clock()
    run(mod, Flaky(clock, all_failing(3)), clock, attempts=3, base_delay=1.0, max_delay=10.0,
        rand=rand_const(0.5))
    kinds = [kind for kind, _ in clock.events]
    expected = ["call", "sleep", "call", "sleep", "call"]
    assert kinds == expected, (
        f"with 3 failing attempts the events should be {' -> '.join(expected)}, got {' -> '.join(kinds) or 'nothing'}"
    )


@test("after the last attempt re-raises the last exception object unchanged")
def _():
    mod = load()
    clock = Clock()
    fn = Flaky(clock, all_failing(4))
    result, exc = run(mod, fn, clock, attempts=4, base_delay=1.0, max_delay=10.0, rand=rand_const(0.5))
    assert clock.calls == 4, f"with attempts=4, fn should be called exactly 4 times, was called {clock.calls} times"
    assert exc is not None, f"retry returned {result!r} although every attempt failed"
    last = fn.raised[-1]
    assert exc is last, (
        f"retry should re-raise the last exception unchanged ({describe(last)}), but raised {describe(exc)}"
    )


@test("an exception outside retry_on is re-raised at once without sleeping")
def _():
    mod = load()
    clock = Clock()
    error = ValueError("card number is invalid")
    fn = Flaky(clock, [error], "paid")
    result, exc = run(mod, fn, clock, attempts=5, base_delay=1.0, max_delay=10.0,
                      retry_on=(ConnectionError, TimeoutError), rand=rand_const(0.5))
    assert exc is error, (
        f"a ValueError is not in retry_on, so it should be re-raised unchanged at once; "
        f"got {describe(exc) if exc else 'the result ' + repr(result)}"
    )
    assert clock.calls == 1, f"a non-retryable error should not be retried, fn was called {clock.calls} times"
    assert clock.delays == [], f"retry should not sleep before re-raising a non-retryable error, slept {clock.delays}"


@test("a non-retryable error after a transient one stops at once")
def _():
    mod = load()
    clock = Clock()
    error = KeyError("order-17")
    fn = Flaky(clock, [Transient("reset"), error], "paid")
    result, exc = run(mod, fn, clock, attempts=5, base_delay=1.0, max_delay=10.0,
                      retry_on=(ConnectionError,), rand=rand_const(0.5))
    assert exc is error, (
        f"the second call raised a non-retryable KeyError, which should be re-raised unchanged; "
        f"got {describe(exc) if exc else 'the result ' + repr(result)}"
    )
    assert clock.calls == 2, f"retry should stop at the non-retryable error (2 calls), fn was called {clock.calls} times"
    assert len(clock.delays) == 1, f"only the transient failure should be followed by a wait, slept {clock.delays}"


@test("retries subclasses of the exception classes in retry_on")
def _():
    mod = load()
    clock = Clock()
    fn = Flaky(clock, [ConnectionResetError("reset by peer"), TimeoutError("read timed out")], "paid")
    result, exc = run(mod, fn, clock, attempts=3, base_delay=1.0, max_delay=10.0,
                      retry_on=(OSError,), rand=rand_const(0.5))
    assert exc is None, (
        f"ConnectionResetError and TimeoutError are subclasses of OSError (in retry_on) and should be "
        f"retried, but retry raised {describe(exc)}"
    )
    assert result == "paid" and clock.calls == 3, (
        f"after two retryable failures the third call should succeed: got {result!r} after {clock.calls} calls"
    )


@test("attempts below 1 raise ValueError without calling fn or sleeping")
def _():
    mod = load()
    for attempts in (0, -2):
        clock = Clock()
        result, exc = run(mod, Flaky(clock, [], "paid"), clock, attempts=attempts, base_delay=1.0,
                          max_delay=10.0, rand=rand_const(0.5))
        assert isinstance(exc, ValueError), (
            f"attempts={attempts} should raise ValueError, got "
            f"{describe(exc) if exc else 'the result ' + repr(result)}"
        )
        assert clock.calls == 0, f"with attempts={attempts}, fn should not be called, it was called {clock.calls} times"
        assert clock.delays == [], f"with attempts={attempts}, retry should not sleep, slept {clock.delays}"
