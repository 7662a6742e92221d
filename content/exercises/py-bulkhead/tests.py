# Hidden tests for py-bulkhead. Real threads coordinated by threading.Event / Barrier; every wait is
# bounded (no sleeps). A slow dependency call is a `Hold`: it signals when it has started, then
# waits (at most WAIT) until the test releases it, and returns or raises. Every test releases its
# holds and joins its threads before it ends, so no thread outlives its test.
import threading
import time

from harness import load, test

WAIT = 2.0    # bound for something that should happen
PROMPT = 1.0  # how long a call that must not be held up gets (a correct one takes microseconds)
GRACE = 0.3   # how long a caller that must wait gets to (wrongly) get through

# Small stacks: the jail's address space and process limits count every thread.
threading.stack_size(512 * 1024)


class RecommendationsDown(Exception):
    pass


class Hold:
    """A slow call: `entered` is set when it starts; it returns its name, or raises `fail`,
    once `release()` is called (or after WAIT)."""

    def __init__(self, name, fail=None):
        self.name = name
        self.fail = fail
        self.entered = threading.Event()
        self.released = threading.Event()
        self.thread = None

    def __call__(self):
        self.thread = threading.get_ident()
        self.entered.set()
        self.released.wait(WAIT)
        if self.fail is not None:
            raise self.fail
        return self.name

    def release(self):
        self.released.set()


class Call(threading.Thread):
    """bulkhead.call(dependency, fn) on a thread of its own, keeping the outcome."""

    def __init__(self, bulkhead, dependency, fn, barrier=None):
        super().__init__(daemon=True)
        self.bulkhead, self.dependency, self.fn, self.barrier = bulkhead, dependency, fn, barrier
        self.result = None
        self.error = None
        self.finished_at = None

    def run(self):
        try:
            if self.barrier is not None:
                self.barrier.wait()
            self.result = self.bulkhead.call(self.dependency, self.fn)
        except BaseException as exc:  # noqa: BLE001 - inspected by the tests
            self.error = exc
        finally:
            self.finished_at = time.monotonic()

    def outcome(self):
        if self.is_alive():
            return "was still blocked"
        if self.error is not None:
            return f"raised {type(self.error).__name__}: {self.error}"
        return f"returned {self.result!r}"


def start_holding(bulkhead, dependency, holds):
    """Start one call per hold and wait until each is running inside its fn."""
    calls = []
    for hold in holds:
        call = Call(bulkhead, dependency, hold)
        call.start()
        calls.append(call)
        if not hold.entered.wait(WAIT):
            raise AssertionError(
                f"call {len(calls)} to {dependency!r} never started fn (it {call.outcome()}), "
                f"although only {len(calls) - 1} call(s) were running"
            )
    return calls


def finish(holds, calls):
    for hold in holds:
        hold.release()
    deadline = time.monotonic() + WAIT
    for call in calls:
        call.join(max(0.0, deadline - time.monotonic()))


def expect_full(bulkhead, dependency, situation):
    """A call that must be refused at once (max_wait 0), on its own thread so a wrong solution
    that blocks fails with a message instead of hanging the test."""
    called = []
    call = Call(bulkhead, dependency, lambda: called.append(1) or "ran")
    call.start()
    call.join(PROMPT)
    assert not call.is_alive(), f"{situation}: the call was still blocked after {PROMPT} s; with max_wait 0 it must be refused at once"
    assert not called, f"{situation}: fn was called although the compartment was full"
    assert isinstance(call.error, load().BulkheadFullError), f"{situation}: expected BulkheadFullError, the call {call.outcome()}"
    assert call.error.dependency == dependency, (
        f"{situation}: BulkheadFullError.dependency should be {dependency!r}, got {call.error.dependency!r}"
    )


def expect_runs(bulkhead, dependency, situation):
    call = Call(bulkhead, dependency, lambda: "served")
    call.start()
    call.join(PROMPT)
    assert call.error is None and call.result == "served", (
        f"{situation}: a call to {dependency!r} should run and return at once, it {call.outcome()}"
    )


@test("call runs fn in the calling thread with its arguments and returns its result")
def _():
    mod = load()
    bulkhead = mod.Bulkhead({"payments": 2, "inventory": 1})
    seen = []

    def charge(order, amount, currency="EUR"):
        seen.append((threading.get_ident(), order, amount, currency))
        return f"charged {order}"

    result = bulkhead.call("payments", charge, "o-1", 2500, currency="USD")
    assert result == "charged o-1", f"call should return fn's result 'charged o-1', got {result!r}"
    assert seen == [(threading.get_ident(), "o-1", 2500, "USD")], (
        f"fn should run once, in the calling thread, with ('o-1', 2500, currency='USD'); it ran as {seen}"
    )
    assert bulkhead.call("inventory", lambda: None) is None, "a call returning None should return None"
    assert bulkhead.in_flight("payments") == 0, "in_flight should be 0 once every call has returned"


@test("fn's exception propagates unchanged, and the slot is freed")
def _():
    mod = load()
    bulkhead = mod.Bulkhead({"recommendations": 1})
    error = RecommendationsDown("503 from recommendations")

    def failing():
        raise error

    for attempt in range(3):
        try:
            bulkhead.call("recommendations", failing)
        except RecommendationsDown as exc:
            assert exc is error, "call should let fn's own exception propagate unchanged"
        except Exception as exc:  # noqa: BLE001
            raise AssertionError(
                f"attempt {attempt + 1}: expected fn's RecommendationsDown, got {type(exc).__name__}: {exc}"
            ) from None
        else:
            raise AssertionError(f"attempt {attempt + 1}: call returned although fn raised")
    assert bulkhead.in_flight("recommendations") == 0, (
        f"in_flight should be 0 after three failed calls, got {bulkhead.in_flight('recommendations')}: a failure kept its slot"
    )
    assert bulkhead.call("recommendations", lambda: "ok") == "ok", "a call after the failures should run"


@test("an unknown dependency raises KeyError without calling fn; a limit below 1 or a negative max_wait raises ValueError")
def _():
    mod = load()
    bulkhead = mod.Bulkhead({"payments": 1})
    called = []
    try:
        bulkhead.call("shipping", lambda: called.append(1))
    except KeyError:
        pass
    except Exception as exc:  # noqa: BLE001
        raise AssertionError(f"a call to an unknown dependency should raise KeyError, got {type(exc).__name__}: {exc}") from None
    else:
        raise AssertionError("a call to a dependency with no compartment should raise KeyError, it ran")
    assert not called, "fn was called for a dependency with no compartment (no limit at all)"
    for limits, max_wait in (({"payments": 0}, 0.0), ({"payments": 2, "search": -1}, 0.0), ({"payments": 1}, -1.0)):
        try:
            mod.Bulkhead(limits, max_wait=max_wait)
        except ValueError:
            continue
        except Exception as exc:  # noqa: BLE001
            raise AssertionError(f"Bulkhead({limits}, max_wait={max_wait}) should raise ValueError, got {type(exc).__name__}") from None
        raise AssertionError(f"Bulkhead({limits}, max_wait={max_wait}) should raise ValueError")


@test("up to limit calls to one dependency run at once; the next is refused at once with BulkheadFullError (max_wait 0)")
def _():
    mod = load()
    bulkhead = mod.Bulkhead({"recommendations": 3})
    holds = [Hold(f"r{n}") for n in range(3)]
    calls = []
    try:
        calls = start_holding(bulkhead, "recommendations", holds)
        running = bulkhead.in_flight("recommendations")
        assert running == 3, f"in_flight should be 3 with three calls running, got {running}"
        expect_full(bulkhead, "recommendations", "a 4th call with 3 running (limit 3)")
        assert bulkhead.in_flight("recommendations") == 3, "a refused call must not change in_flight"
    finally:
        finish(holds, calls)
    results = [call.result for call in calls]
    assert results == ["r0", "r1", "r2"], f"the three running calls should return their results, they {[c.outcome() for c in calls]}"
    assert bulkhead.in_flight("recommendations") == 0, "in_flight should be 0 once the calls returned"
    assert [n for n in range(3) if holds[n].thread != calls[n].ident] == [], "fn should run in the thread that called call"


@test("calls beyond a slow dependency's limit are refused, so they cannot take the slots of another dependency")
def _():
    mod = load()
    bulkhead = mod.Bulkhead({"recommendations": 2, "payments": 2})
    holds = [Hold("r0"), Hold("r1")]
    calls = []
    try:
        calls = start_holding(bulkhead, "recommendations", holds)
        expect_full(bulkhead, "recommendations", "a 3rd recommendations call (limit 2)")
        expect_full(bulkhead, "recommendations", "a 4th recommendations call (limit 2)")
        payments = [Hold("p0"), Hold("p1")]
        holds += payments
        calls += start_holding(bulkhead, "payments", payments)
        assert bulkhead.in_flight("payments") == 2, "payments should run its two calls while recommendations is full"
        expect_full(bulkhead, "payments", "a 3rd payments call (limit 2)")
    finally:
        finish(holds, calls)


@test("callers waiting for a full dependency do not delay calls to another one")
def _():
    mod = load()
    bulkhead = mod.Bulkhead({"recommendations": 1, "payments": 1}, max_wait=WAIT)
    holds = [Hold("r0")]
    calls = []
    try:
        calls = start_holding(bulkhead, "recommendations", holds)
        waiter = Call(bulkhead, "recommendations", lambda: "late recommendation")
        waiter.start()
        calls.append(waiter)
        waiter.join(GRACE)
        assert waiter.is_alive(), f"the second recommendations call should wait for a slot (max_wait {WAIT}), it {waiter.outcome()}"
        expect_runs(bulkhead, "payments", "while recommendations is full and a caller waits for it")
    finally:
        finish(holds, calls)
    assert waiter.result == "late recommendation", f"the waiting call should run once the slot freed, it {waiter.outcome()}"


@test("a caller waits up to max_wait and runs as soon as a slot frees")
def _():
    mod = load()
    bulkhead = mod.Bulkhead({"inventory": 1}, max_wait=WAIT)
    holds = [Hold("i0")]
    calls = []
    ran = []
    try:
        calls = start_holding(bulkhead, "inventory", holds)
        waiter = Call(bulkhead, "inventory", lambda: ran.append(1) or "stock checked")
        waiter.start()
        calls.append(waiter)
        waiter.join(GRACE)
        assert waiter.is_alive() and not ran, (
            f"with max_wait {WAIT} s the second call should wait for the slot, it {waiter.outcome()} after {GRACE} s"
        )
        released_at = time.monotonic()
        holds[0].release()
        waiter.join(WAIT)
    finally:
        finish(holds, calls)
    assert waiter.error is None and waiter.result == "stock checked", f"the waiting call should run once the slot freed, it {waiter.outcome()}"
    assert waiter.finished_at - released_at < PROMPT, "the waiting call should run as soon as the slot frees, not at the end of max_wait"


@test("a caller waiting for a slot gets the one a failing call frees (first, middle or last started)")
def _():
    mod = load()
    for failing, position in ((0, "first"), (1, "middle"), (2, "last")):
        bulkhead = mod.Bulkhead({"payments": 3}, max_wait=WAIT)
        error = RecommendationsDown(f"call {failing} timed out")
        holds = [Hold(f"p{n}", fail=error if n == failing else None) for n in range(3)]
        calls = []
        try:
            calls = start_holding(bulkhead, "payments", holds)
            waiter = Call(bulkhead, "payments", lambda: "charged")
            waiter.start()
            calls.append(waiter)
            waiter.join(GRACE)
            assert waiter.is_alive(), f"with three calls running (limit 3) the 4th should wait for a slot, it {waiter.outcome()}"
            holds[failing].release()
            waiter.join(PROMPT)
            assert waiter.result == "charged", (
                f"when the {position} running call failed, the waiting caller should get its slot and run, it {waiter.outcome()}"
            )
            running = bulkhead.in_flight("payments")
            assert running == 2, f"with two calls still running and the waiter done, in_flight should be 2, got {running}"
        finally:
            finish(holds, calls)
        assert calls[failing].error is error, f"the {position} call should raise fn's exception, it {calls[failing].outcome()}"


@test("a caller that gets no slot within max_wait is refused then, without calling fn")
def _():
    mod = load()
    bulkhead = mod.Bulkhead({"inventory": 1}, max_wait=0.25)
    holds = [Hold("i0")]
    calls = []
    called = []
    try:
        calls = start_holding(bulkhead, "inventory", holds)
        started = time.monotonic()
        waiter = Call(bulkhead, "inventory", lambda: called.append(1))
        waiter.start()
        calls.append(waiter)
        waiter.join(PROMPT)
        still_blocked = waiter.is_alive()
    finally:
        finish(holds, calls)
    assert not still_blocked, f"a caller with max_wait 0.25 s was still waiting after {PROMPT} s: the wait must be bounded"
    assert isinstance(waiter.error, mod.BulkheadFullError), f"the caller should get BulkheadFullError after max_wait, it {waiter.outcome()}"
    waited = waiter.finished_at - started
    assert waited >= 0.2, f"the caller was refused after {waited:.3f} s; it should wait up to max_wait (0.25 s) for a slot"
    assert not called, "fn was called for a caller that never got a slot"


@test("a failing call (first, middle or last started) frees its slot for a new arrival; the others keep theirs")
def _():
    mod = load()
    for failing, position in ((0, "first"), (1, "middle"), (2, "last")):
        bulkhead = mod.Bulkhead({"recommendations": 3})
        error = RecommendationsDown(f"call {failing} timed out")
        holds = [Hold(f"r{n}", fail=error if n == failing else None) for n in range(3)]
        calls = []
        late = Hold("r-new")
        try:
            calls = start_holding(bulkhead, "recommendations", holds)
            holds[failing].release()
            calls[failing].join(WAIT)
            assert calls[failing].error is error, f"the {position} call should raise fn's exception, it {calls[failing].outcome()}"
            running = bulkhead.in_flight("recommendations")
            assert running == 2, f"after the {position} call failed, in_flight should be 2, got {running}"
            calls += start_holding(bulkhead, "recommendations", [late])
            expect_full(bulkhead, "recommendations", f"a call after the {position} call failed and a new one took its slot")
        finally:
            finish(holds + [late], calls)
        outcomes = [call.outcome() for call in calls]
        expected = [f"returned 'r{n}'" for n in range(3) if n != failing] + ["returned 'r-new'"]
        assert [o for n, o in enumerate(outcomes) if n != failing] == expected, (
            f"the other calls should complete normally when the {position} one fails; outcomes: {outcomes}"
        )


@test("a refused call frees nothing: after two refusals the compartment still runs only limit calls")
def _():
    mod = load()
    bulkhead = mod.Bulkhead({"payments": 2})
    holds = [Hold("p0"), Hold("p1")]
    calls = []
    try:
        calls = start_holding(bulkhead, "payments", holds)
        expect_full(bulkhead, "payments", "a 3rd call (limit 2)")
        expect_full(bulkhead, "payments", "a 4th call after one was refused (a refusal must not free a slot)")
        expect_full(bulkhead, "payments", "a 5th call after two were refused")
        running = bulkhead.in_flight("payments")
        assert running == 2, f"in_flight should stay 2 after refusals, got {running}"
    finally:
        finish(holds, calls)
    assert bulkhead.in_flight("payments") == 0, "in_flight should be 0 once the calls returned"
    expect_runs(bulkhead, "payments", "after every call returned")


@test("eight callers arriving at once: exactly limit run together, the others are refused")
def _():
    mod = load()
    bulkhead = mod.Bulkhead({"search": 3})
    guard = threading.Lock()
    state = {"running": 0, "most": 0, "ran": 0}
    refusals_done = threading.Event()

    def search():
        with guard:
            state["running"] += 1
            state["ran"] += 1
            state["most"] = max(state["most"], state["running"])
        refusals_done.wait(WAIT)
        with guard:
            state["running"] -= 1
        return "results"

    barrier = threading.Barrier(8, timeout=WAIT)
    calls = [Call(bulkhead, "search", search, barrier) for _ in range(8)]
    for call in calls:
        call.start()
    deadline = time.monotonic() + PROMPT  # the refusals are immediate (max_wait 0)
    try:
        while time.monotonic() < deadline:
            refused = [c for c in calls if not c.is_alive() and isinstance(c.error, mod.BulkheadFullError)]
            if len(refused) >= 5:
                break
            refusals_done.wait(0.01)
    finally:
        refusals_done.set()
        for call in calls:
            call.join(max(0.0, deadline + WAIT - time.monotonic()))
    outcomes = sorted(call.outcome() for call in calls)
    assert state["most"] <= 3, f"{state['most']} calls ran at once with a limit of 3"
    assert state["ran"] == 3, f"exactly 3 of the 8 simultaneous callers should run (limit 3, max_wait 0), {state['ran']} did: {outcomes}"
    served = [c for c in calls if c.result == "results"]
    assert len(served) == 3, f"3 callers should get the results, the outcomes were {outcomes}"
