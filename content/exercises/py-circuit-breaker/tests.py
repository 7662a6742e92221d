# Hidden tests for py-circuit-breaker. Time comes from a fake clock; nothing sleeps.
from harness import load, test


class FakeClock:
    def __init__(self, now=1000.0):
        self.now = now

    def __call__(self):
        return self.now

    def advance(self, seconds):
        self.now += seconds


class ServiceDown(Exception):
    pass


class Service:
    """A fake dependency: records its calls, fails while `failing` is True."""

    def __init__(self, failing=False):
        self.failing = failing
        self.calls = []

    def __call__(self, *args, **kwargs):
        self.calls.append((args, kwargs))
        if self.failing:
            raise ServiceDown(f"call {len(self.calls)} failed")
        return f"ok {len(self.calls)}"


def describe(exc):
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__


def call_failing(breaker, service, situation):
    """Call a failing service through the breaker; its own exception must come out."""
    try:
        breaker.call(service)
    except ServiceDown:
        return
    except Exception as exc:  # noqa: BLE001 - reported to the learner
        raise AssertionError(
            f"{situation}: call() should re-raise the service's own exception, but raised {describe(exc)}"
        ) from None
    raise AssertionError(f"{situation}: call() returned normally although the service raised")


def assert_rejected(mod, breaker, service, situation):
    before = len(service.calls)
    try:
        breaker.call(service)
    except mod.CircuitOpenError:
        pass
    except Exception as exc:  # noqa: BLE001
        raise AssertionError(
            f"{situation}: call() should raise CircuitOpenError, but raised {describe(exc)}"
        ) from None
    else:
        raise AssertionError(f"{situation}: call() should raise CircuitOpenError, but it went through")
    assert len(service.calls) == before, f"{situation}: the service was called although the circuit is open"


def assert_state(breaker, expected, situation):
    state = breaker.state
    assert state == expected, f"{situation}: state should be {expected!r}, got {state!r}"


def opened(mod, threshold=3, timeout=30.0):
    """A breaker opened at clock time 1000 by `threshold` failures."""
    clock = FakeClock(1000.0)
    breaker = mod.CircuitBreaker(threshold, timeout, clock=clock)
    service = Service(failing=True)
    for _ in range(threshold):
        call_failing(breaker, service, "while closed")
    assert_state(breaker, "open", f"after {threshold} consecutive failures")
    return breaker, clock, service


@test("a new breaker is closed and passes arguments through, returning the result")
def _():
    mod = load()
    breaker = mod.CircuitBreaker(3, 30.0, clock=FakeClock())
    assert_state(breaker, "closed", "a new breaker")
    seen = []

    def price(sku, *, currency):
        seen.append((sku, currency))
        return 42

    result = breaker.call(price, "sku-1", currency="EUR")
    assert seen == [("sku-1", "EUR")], f"the function should be called once with ('sku-1', currency='EUR'), got calls {seen}"
    assert result == 42, f"call() should return the function's result 42, got {result!r}"


@test("a failure below the threshold re-raises the same exception and keeps the circuit closed")
def _():
    mod = load()
    breaker = mod.CircuitBreaker(3, 30.0, clock=FakeClock())
    error = ServiceDown("inventory timed out")

    def failing():
        raise error

    for attempt in (1, 2):
        try:
            breaker.call(failing)
        except ServiceDown as exc:
            assert exc is error, "call() should re-raise the very exception the service raised, not a copy or a wrapper"
        except Exception as exc:  # noqa: BLE001
            raise AssertionError(f"call() should re-raise the service's exception, but raised {describe(exc)}") from None
        else:
            raise AssertionError("call() returned normally although the service raised")
        assert_state(breaker, "closed", f"after {attempt} failure(s) with a threshold of 3")


@test("opens after failure_threshold consecutive failures, re-raising the last one")
def _():
    mod = load()
    clock = FakeClock()
    breaker = mod.CircuitBreaker(4, 30.0, clock=clock)
    service = Service(failing=True)
    for attempt in range(1, 4):
        call_failing(breaker, service, f"failure {attempt} of 4")
        assert_state(breaker, "closed", f"after {attempt} failures with a threshold of 4")
    call_failing(breaker, service, "the failure that reaches the threshold")
    assert_state(breaker, "open", "after 4 consecutive failures with a threshold of 4")


@test("a threshold of 1 opens the circuit on the first failure")
def _():
    mod = load()
    breaker = mod.CircuitBreaker(1, 5.0, clock=FakeClock())
    service = Service(failing=True)
    call_failing(breaker, service, "the first failure")
    assert_state(breaker, "open", "after one failure with a threshold of 1")


@test("a success resets the failure count, so only consecutive failures open the circuit")
def _():
    mod = load()
    breaker = mod.CircuitBreaker(3, 30.0, clock=FakeClock())
    service = Service(failing=True)
    for round_ in range(1, 4):
        service.failing = True
        call_failing(breaker, service, f"round {round_}")
        call_failing(breaker, service, f"round {round_}")
        service.failing = False
        breaker.call(service)
        assert_state(breaker, "closed", f"after round {round_} of two failures then a success (threshold 3)")
    service.failing = True
    call_failing(breaker, service, "after the last success")
    call_failing(breaker, service, "after the last success")
    assert_state(breaker, "closed", "after a success followed by only 2 failures (threshold 3)")


@test("an open circuit raises CircuitOpenError without calling the service")
def _():
    mod = load()
    assert issubclass(mod.CircuitOpenError, Exception), "CircuitOpenError should be a subclass of Exception"
    breaker, clock, service = opened(mod)
    for _ in range(5):
        assert_rejected(mod, breaker, service, "right after the circuit opened")
    assert_state(breaker, "open", "after rejected calls, with no time passed")


@test("stays open until recovery_timeout has elapsed")
def _():
    mod = load()
    breaker, clock, service = opened(mod, timeout=30.0)
    for elapsed in (10.0, 29.0, 29.75):
        clock.now = 1000.0 + elapsed
        assert_state(breaker, "open", f"{elapsed} s after opening (recovery_timeout 30)")
        assert_rejected(mod, breaker, service, f"{elapsed} s after opening (recovery_timeout 30)")


@test("reads half_open as soon as recovery_timeout has elapsed, before any call")
def _():
    mod = load()
    breaker, clock, service = opened(mod, timeout=30.0)
    clock.now = 1030.0
    assert_state(breaker, "half_open", "exactly 30 s after opening (recovery_timeout 30), before any call")
    clock.now = 1100.0
    assert_state(breaker, "half_open", "100 s after opening, before any call")
    assert len(service.calls) == 3, "reading state should not call the service"


@test("a successful trial call closes the circuit and resets the failure count")
def _():
    mod = load()
    breaker, clock, service = opened(mod, threshold=3, timeout=30.0)
    clock.now = 1031.0
    service.failing = False
    result = breaker.call(service, "probe")
    assert result == "ok 4", f"the trial call should return the service's result, got {result!r}"
    assert service.calls[-1] == (("probe",), {}), "the trial call should pass its arguments to the service"
    assert_state(breaker, "closed", "after a successful trial call")
    service.failing = True
    call_failing(breaker, service, "after the circuit closed")
    call_failing(breaker, service, "after the circuit closed")
    assert_state(breaker, "closed", "after the trial closed the circuit and only 2 new failures followed (threshold 3)")
    call_failing(breaker, service, "the third failure after closing")
    assert_state(breaker, "open", "after 3 new consecutive failures")


@test("a failed trial call re-opens the circuit at once and re-raises its exception")
def _():
    mod = load()
    breaker, clock, service = opened(mod, threshold=3, timeout=30.0)
    clock.now = 1030.0
    call_failing(breaker, service, "the failing trial call")
    assert len(service.calls) == 4, "the half-open trial should call the service exactly once"
    assert_state(breaker, "open", "right after a failed trial call (one failure is enough in half-open)")
    assert_rejected(mod, breaker, service, "right after a failed trial call")


@test("a failed trial call starts a fresh recovery timer")
def _():
    mod = load()
    breaker, clock, service = opened(mod, threshold=3, timeout=30.0)
    clock.now = 1050.0  # half-open since 1030
    call_failing(breaker, service, "the failing trial call at 1050")
    for now in (1051.0, 1079.5):
        clock.now = now
        assert_state(breaker, "open", f"{now - 1050} s after the failed trial (recovery_timeout 30, counted from the trial)")
        assert_rejected(mod, breaker, service, f"{now - 1050} s after the failed trial")
    clock.now = 1080.0
    assert_state(breaker, "half_open", "30 s after the failed trial")
    service.failing = False
    breaker.call(service)
    assert_state(breaker, "closed", "after the second trial succeeded")


@test("two breakers keep separate state")
def _():
    mod = load()
    clock = FakeClock()
    inventory = mod.CircuitBreaker(2, 30.0, clock=clock)
    payments = mod.CircuitBreaker(2, 30.0, clock=clock)
    service = Service(failing=True)
    call_failing(inventory, service, "the inventory breaker")
    call_failing(inventory, service, "the inventory breaker")
    assert_state(inventory, "open", "the inventory breaker after 2 failures")
    assert_state(payments, "closed", "a second breaker that saw no failure, while the first is open")
    healthy = Service()
    assert payments.call(healthy) == "ok 1", "a closed breaker should pass the call through while another breaker is open"
