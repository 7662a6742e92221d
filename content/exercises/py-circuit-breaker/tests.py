# Hidden tests for py-circuit-breaker. Time comes from a fake clock; nothing sleeps on it. The
# concurrency tests use real threads coordinated by threading.Event / Barrier, and every wait is
# bounded by a timeout, so a wrong solution fails (or blocks for a bounded time), never hangs.
import threading
import time

from harness import load, test

WAIT = 2.0  # generous bound for something that should happen promptly
GRACE = 1.0  # how long a caller that should fail fast gets before it counts as blocked (real time)

# Thread stacks count against the jail's address-space limit: keep them small.
threading.stack_size(512 * 1024)


class FakeClock:
    """Virtual time. With `pause`, each reading also yields the processor for that long (real
    time), so another thread runs in the middle of whatever the breaker does around the read."""

    def __init__(self, now=1000.0, pause=0.0):
        self.now = now
        self.pause = pause

    def __call__(self):
        now = self.now
        if self.pause:
            time.sleep(self.pause)
        return now

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


@test("a success resets the failure count after the first, a middle or the last failure before the threshold")
def _():
    mod = load()
    breaker = mod.CircuitBreaker(4, 30.0, clock=FakeClock())
    service = Service(failing=True)
    for failures in (1, 2, 3):  # the first, a middle and the last failure before 4
        service.failing = True
        for attempt in range(1, failures + 1):
            call_failing(breaker, service, f"failure {attempt} of a run of {failures}")
        service.failing = False
        breaker.call(service)
        assert_state(breaker, "closed", f"after {failures} failure(s) then a success (threshold 4)")
    service.failing = True
    for attempt in range(1, 4):
        call_failing(breaker, service, f"failure {attempt} after the last success")
    assert_state(breaker, "closed", "after a success followed by only 3 failures (threshold 4)")
    call_failing(breaker, service, "the fourth failure in a row")
    assert_state(breaker, "open", "after 4 consecutive failures (threshold 4)")


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


@test("every failed trial call starts a fresh recovery timer, the first, a middle and the last")
def _():
    mod = load()
    breaker, clock, service = opened(mod, threshold=3, timeout=30.0)
    failed_at = 1000.0
    for trial, now in enumerate((1050.0, 1085.0, 1115.0), start=1):  # each >= 30 s after the last
        clock.now = now
        assert_state(breaker, "half_open", f"{now - failed_at} s after trial {trial - 1} failed")
        call_failing(breaker, service, f"failing trial call {trial} at {now}")
        failed_at = now
        for later in (now + 1.0, now + 29.5):
            clock.now = later
            situation = f"{later - now} s after failed trial {trial} (recovery_timeout 30, counted from it)"
            assert_state(breaker, "open", situation)
            assert_rejected(mod, breaker, service, situation)
    clock.now = failed_at + 30.0
    assert_state(breaker, "half_open", "30 s after the last failed trial")
    service.failing = False
    breaker.call(service)
    assert_state(breaker, "closed", "after a trial succeeded")


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


# ---------------------------------------------------------------------------------------------
# Thread safety: many checkout threads share one breaker.


class Caller(threading.Thread):
    """Calls breaker.call(fn) on its own thread (after `barrier`, if any) and keeps the outcome."""

    def __init__(self, breaker, fn, barrier=None):
        super().__init__(daemon=True)
        self.breaker = breaker
        self.fn = fn
        self.barrier = barrier
        self.result = None
        self.error = None

    def run(self):
        try:
            if self.barrier is not None:
                self.barrier.wait(WAIT)
            self.result = self.breaker.call(self.fn)
        except BaseException as exc:  # noqa: BLE001 - inspected by the tests
            self.error = exc

    def outcome(self):
        if self.is_alive():
            return "was still blocked"
        if self.error is not None:
            return f"raised {describe(self.error)}"
        return f"returned {self.result!r}"


class Gate:
    """A service call that blocks until `release` is set, then returns or raises ServiceDown."""

    def __init__(self, fail=False):
        self.fail = fail
        self.entered = threading.Event()
        self.release = threading.Event()
        self.calls = 0
        self._lock = threading.Lock()

    def __call__(self):
        with self._lock:
            self.calls += 1
        self.entered.set()
        self.release.wait(WAIT)
        if self.fail:
            raise ServiceDown("inventory still down")
        return "recovered"


def state_without_blocking(breaker, situation):
    """Read breaker.state on another thread: reading it must not wait for a call in flight."""
    box = {}

    def read():
        try:
            box["state"] = breaker.state
        except BaseException as exc:  # noqa: BLE001
            box["error"] = exc

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    reader.join(GRACE)
    assert not reader.is_alive(), f"{situation}: reading state blocked until the call finished"
    assert "error" not in box, f"{situation}: reading state raised {describe(box.get('error'))}"
    return box["state"]


def start_all(threads):
    for thread in threads:
        thread.start()


def join_all(threads, timeout=WAIT):
    deadline = time.monotonic() + timeout
    for thread in threads:
        thread.join(max(0.0, deadline - time.monotonic()))


@test("calls in the closed state run at the same time: no lock is held while the service runs")
def _():
    mod = load()
    breaker = mod.CircuitBreaker(3, 30.0, clock=FakeClock())
    together = threading.Barrier(4)

    def slow_lookup():
        together.wait(1.0)  # returns only once all four calls are inside the service at once
        return "in stock"

    def slow_failure():
        together.wait(1.0)
        raise ServiceDown("inventory timed out")

    # The second of the four concurrent calls fails; the others succeed.
    callers = [Caller(breaker, fn) for fn in (slow_lookup, slow_failure, slow_lookup, slow_lookup)]
    start_all(callers)
    join_all(callers, timeout=3.0)
    outcomes = [caller.outcome() for caller in callers]
    expected = ["returned 'in stock'", "raised ServiceDown: inventory timed out"]
    assert all(outcome in expected for outcome in outcomes) and isinstance(callers[1].error, ServiceDown), (
        "four threads calling a closed breaker should be inside the service at the same time "
        f"(one slow call must not hold up the others), but they {', '.join(outcomes)}"
    )
    assert_state(breaker, "closed", "after four concurrent calls of which one failed (threshold 3)")
    assert breaker.call(Service()) == "ok 1", "a new call after the concurrent ones should go through"


@test("failures from many threads at once are all counted: failure_threshold of them open the circuit, one fewer does not")
def _():
    mod = load()
    threads = 10
    for threshold in (threads + 1, threads):
        clock = FakeClock(pause=0.002)  # every clock reading lets another thread run
        breaker = mod.CircuitBreaker(threshold, 30.0, clock=clock)
        together = threading.Barrier(threads)

        def failing():
            together.wait(1.0)  # all the calls are in flight at once, then all fail
            raise ServiceDown("inventory timed out")

        callers = [Caller(breaker, failing) for _ in range(threads)]
        start_all(callers)
        join_all(callers, timeout=4.0)
        outcomes = [caller.outcome() for caller in callers]
        assert all(isinstance(caller.error, ServiceDown) for caller in callers), (
            f"{threads} concurrent calls on a closed breaker should each reach the service and re-raise "
            f"its ServiceDown, but they {', '.join(outcomes)}"
        )
        clock.pause = 0.0
        if threshold == threads + 1:
            assert_state(breaker, "closed", f"after {threads} concurrent failures with a threshold of {threshold}")
            service = Service(failing=True)
            call_failing(breaker, service, "one more failure after the concurrent ones")
            assert_state(breaker, "open", f"after {threads} concurrent failures and one more (threshold {threshold})")
        else:
            assert_state(
                breaker,
                "open",
                f"after {threads} concurrent failures with a threshold of {threshold} (a failure counted by "
                "one thread must not be overwritten by another)",
            )
        assert_rejected(mod, breaker, Service(), "a new call after the concurrent failures opened the circuit")


@test("in half_open exactly one trial call runs; callers arriving while it runs get CircuitOpenError without calling the service")
def _():
    mod = load()
    breaker, clock, service = opened(mod, threshold=3, timeout=30.0)
    clock.now = 1030.0
    gate = Gate()
    trial = Caller(breaker, gate)
    others = [Caller(breaker, gate) for _ in range(4)]
    try:
        trial.start()
        assert gate.entered.wait(WAIT), "the first call after the recovery timeout should reach the service as the trial"
        state = state_without_blocking(breaker, "while the trial call runs")
        assert state == "half_open", f"while the trial call runs, state should read 'half_open', got {state!r}"
        start_all(others)
        join_all(others, timeout=GRACE)
        outcomes = [caller.outcome() for caller in others]
        calls_during_trial = gate.calls
    finally:
        gate.release.set()
    trial.join(WAIT)
    join_all(others)
    assert calls_during_trial == 1, (
        f"{calls_during_trial} calls reached the service in half_open; only the trial may (the others "
        "should fail fast, or a recovering service gets the full load)"
    )
    assert all(isinstance(caller.error, mod.CircuitOpenError) for caller in others), (
        "callers arriving while the trial runs should get CircuitOpenError at once, but they "
        f"{', '.join(outcomes)}"
    )
    assert trial.error is None and trial.result == "recovered", f"the trial call should return the service's result, it {trial.outcome()}"
    assert_state(breaker, "closed", "after the trial succeeded")
    healthy = Service()
    assert breaker.call(healthy) == "ok 1", "a new call after the trial closed the circuit should go through"


@test("a failing trial re-opens the circuit for a fresh timeout; callers during and after it are rejected, the next timeout admits a new trial")
def _():
    mod = load()
    breaker, clock, service = opened(mod, threshold=3, timeout=30.0)
    clock.now = 1030.0
    gate = Gate(fail=True)
    trial = Caller(breaker, gate)
    during = [Caller(breaker, gate) for _ in range(3)]
    try:
        trial.start()
        assert gate.entered.wait(WAIT), "the first call after the recovery timeout should reach the service as the trial"
        clock.now = 1040.0  # the trial takes 10 s
        start_all(during)
        join_all(during, timeout=GRACE)
        outcomes = [caller.outcome() for caller in during]
    finally:
        gate.release.set()
    trial.join(WAIT)
    join_all(during)
    assert all(isinstance(caller.error, mod.CircuitOpenError) for caller in during), (
        f"callers arriving while the trial runs should get CircuitOpenError at once, but they {', '.join(outcomes)}"
    )
    assert isinstance(trial.error, ServiceDown), f"the failed trial should re-raise the service's ServiceDown, it {trial.outcome()}"
    assert gate.calls == 1, f"only the trial should reach the service, {gate.calls} calls did"
    assert_state(breaker, "open", "right after the trial failed at 1040")
    assert_rejected(mod, breaker, service, "a new call right after the trial failed")
    clock.now = 1069.5
    assert_state(breaker, "open", "29.5 s after the trial failed (the fresh timeout counts from the failure at 1040)")
    assert_rejected(mod, breaker, service, "29.5 s after the trial failed")
    clock.now = 1070.0
    assert_state(breaker, "half_open", "30 s after the trial failed")
    service.failing = False
    try:
        result = breaker.call(service)
    except mod.CircuitOpenError:
        raise AssertionError(
            "30 s after a failed trial the next call should be let through as a new trial, but it got "
            "CircuitOpenError (is the trial slot released when the trial raises?)"
        ) from None
    assert result == "ok 4", f"the new trial should return the service's result, got {result!r}"
    assert_state(breaker, "closed", "after the new trial succeeded")


@test("threads arriving together when the recovery timeout passes let exactly one trial through")
def _():
    mod = load()
    breaker, clock, service = opened(mod, threshold=3, timeout=30.0)
    clock.now = 1030.0
    clock.pause = 0.005  # every clock reading lets the other arrivals run
    arrivals = 6
    gate = Gate()
    together = threading.Barrier(arrivals)
    callers = [Caller(breaker, gate, together) for _ in range(arrivals)]
    try:
        start_all(callers)
        assert gate.entered.wait(WAIT), "one of the calls arriving after the recovery timeout should reach the service"
        deadline = time.monotonic() + GRACE  # until every caller but the trial has finished
        while time.monotonic() < deadline and sum(c.is_alive() for c in callers) > 1:
            time.sleep(0.01)
        trials = gate.calls
        finished = [caller for caller in callers if not caller.is_alive()]
        outcomes = [caller.outcome() for caller in finished]
    finally:
        gate.release.set()
        clock.pause = 0.0
    join_all(callers)
    assert trials == 1, f"{trials} of {arrivals} threads arriving together were let through as trials; exactly one may be"
    assert len(finished) == arrivals - 1 and all(isinstance(c.error, mod.CircuitOpenError) for c in finished), (
        f"while the trial runs the other {arrivals - 1} arrivals should get CircuitOpenError at once, but "
        f"{len(finished)} finished and they {', '.join(outcomes) or 'none'}"
    )
    assert_state(breaker, "closed", "after the one trial succeeded")
    assert breaker.call(Service()) == "ok 1", "a new call after the trial closed the circuit should go through"


@test("a call let through while closed that succeeds after the circuit opened does not close it")
def _():
    mod = load()
    clock = FakeClock(1000.0)
    breaker = mod.CircuitBreaker(2, 30.0, clock=clock)
    gate = Gate()
    slow = Caller(breaker, gate)
    service = Service(failing=True)
    try:
        slow.start()
        assert gate.entered.wait(WAIT), "the first call on a closed breaker should reach the service"
        call_failing(breaker, service, "a failure while a slow call is in flight")
        call_failing(breaker, service, "a second failure while a slow call is in flight")
        assert_state(breaker, "open", "after 2 failures (threshold 2), with a slow call still in flight")
    finally:
        gate.release.set()
    slow.join(WAIT)
    assert slow.error is None and slow.result == "recovered", f"the slow call should still return its result, it {slow.outcome()}"
    assert_state(
        breaker,
        "open",
        "after a call let through before the circuit opened succeeded late (only the trial may close it)",
    )
    assert_rejected(mod, breaker, service, "a new call after the late success")
    clock.now = 1030.0
    assert_state(breaker, "half_open", "30 s after the circuit opened")


@test("a call let through while closed that fails after the circuit opened does not restart its timer")
def _():
    mod = load()
    clock = FakeClock(1000.0)
    breaker = mod.CircuitBreaker(1, 30.0, clock=clock)
    gate = Gate(fail=True)
    slow = Caller(breaker, gate)
    service = Service(failing=True)
    try:
        slow.start()
        assert gate.entered.wait(WAIT), "the first call on a closed breaker should reach the service"
        call_failing(breaker, service, "a failure while a slow call is in flight")
        assert_state(breaker, "open", "after 1 failure (threshold 1), with a slow call still in flight")
        clock.now = 1010.0
    finally:
        gate.release.set()
    slow.join(WAIT)
    assert isinstance(slow.error, ServiceDown), f"the slow call should re-raise the service's ServiceDown, it {slow.outcome()}"
    assert_rejected(mod, breaker, service, "a new call after the late failure")
    clock.now = 1030.0
    assert_state(
        breaker,
        "half_open",
        "30 s after the circuit opened at 1000 (a late failure of a call let through before it opened "
        "must not restart the timer at 1010)",
    )
