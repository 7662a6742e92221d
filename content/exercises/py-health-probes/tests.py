# Hidden tests for py-health-probes. Liveness runs on a fake clock (nothing sleeps). Readiness runs
# checks on real threads: a slow dependency is a `Check` that waits (at most WAIT) until the test
# releases it; every readiness call is made on a thread of the test's own with a bounded join, so a
# probe that hangs fails with a message. Every test releases its checks and waits for them to end.
import threading
import time

from harness import load, test

WAIT = 2.0     # bound for something that should happen
PROMPT = 1.0   # how long a probe that must answer at once gets (a correct one takes milliseconds)
TIMEOUT = 0.25 # the readiness timeout in the tests that let a check hang

threading.stack_size(512 * 1024)


class FakeClock:
    def __init__(self, now=100.0):
        self.now = now

    def __call__(self):
        return self.now


class DatabaseDown(Exception):
    pass


class Check:
    """A dependency check. mode: 'ok' returns at once, 'fail' raises DatabaseDown, 'hang' waits
    until release() (at most WAIT), then returns. `calls` counts the runs; `idle` is set while
    no run is in progress."""

    def __init__(self, mode="ok"):
        self.mode = mode
        self.calls = 0
        self.entered = threading.Event()
        self.released = threading.Event()
        self.idle = threading.Event()
        self.idle.set()
        self.lock = threading.Lock()

    def __call__(self):
        with self.lock:
            self.calls += 1
            self.idle.clear()
        try:
            self.entered.set()
            if self.mode == "fail":
                raise DatabaseDown("connection refused")
            if self.mode == "hang":
                self.released.wait(WAIT)
            return "pong"
        finally:
            self.idle.set()

    def release(self):
        self.released.set()


class Probe(threading.Thread):
    """probes.readiness() (or liveness) on a thread of its own."""

    def __init__(self, method):
        super().__init__(daemon=True)
        self.method = method
        self.answer = None
        self.error = None
        self.took = None

    def run(self):
        started = time.monotonic()
        try:
            self.answer = self.method()
        except BaseException as exc:  # noqa: BLE001 - inspected by the tests
            self.error = exc
        finally:
            self.took = time.monotonic() - started


def probe(method, situation, within):
    call = Probe(method)
    call.start()
    call.join(within)
    assert not call.is_alive(), f"{situation}: the probe had not answered after {within} s"
    assert call.error is None, f"{situation}: the probe raised {type(call.error).__name__}: {call.error}"
    return call


def settle(*checks):
    for check in checks:
        check.release()
    for check in checks:
        check.idle.wait(WAIT)


def join_other_threads():
    deadline = time.monotonic() + WAIT
    for thread in threading.enumerate():
        if thread is not threading.current_thread() and thread.daemon:
            thread.join(max(0.0, deadline - time.monotonic()))


def make(mod, checks=(), timeout=0.5, stall_after=8.0, clock=None):
    probes = mod.HealthProbes(timeout=timeout, stall_after=stall_after, clock=clock or FakeClock())
    for name, check, critical in checks:
        probes.add_check(name, check, critical=critical)
    return probes


@test("liveness is alive while the last heartbeat is less than stall_after ago, stalled from exactly stall_after")
def _():
    mod = load()
    clock = FakeClock(100.0)
    probes = make(mod, stall_after=8.0, clock=clock)
    assert probes.liveness() == (200, {"status": "alive"}), f"a new service should be alive, got {probes.liveness()}"
    clock.now = 107.75
    assert probes.liveness() == (200, {"status": "alive"}), (
        f"7.75 s after start (stall_after 8) it should be alive, got {probes.liveness()}: starting counts as a heartbeat"
    )
    clock.now = 108.0
    assert probes.liveness() == (503, {"status": "stalled"}), f"exactly 8 s without a heartbeat it should be stalled, got {probes.liveness()}"
    probes.heartbeat()
    assert probes.liveness() == (200, {"status": "alive"}), f"right after a heartbeat it should be alive again, got {probes.liveness()}"
    clock.now = 115.5
    assert probes.liveness() == (200, {"status": "alive"}), f"7.5 s after the heartbeat at 108 it should be alive, got {probes.liveness()}"
    clock.now = 116.0
    assert probes.liveness() == (503, {"status": "stalled"}), f"8 s after the heartbeat at 108 it should be stalled, got {probes.liveness()}"


@test("liveness never runs a dependency check, even when every dependency is failing or hanging")
def _():
    mod = load()
    clock = FakeClock()
    database, cache = Check("fail"), Check("hang")
    probes = make(mod, [("database", database, True), ("cache", cache, True)], clock=clock)
    try:
        answer = probe(probes.liveness, "liveness with the database down and the cache hanging", PROMPT).answer
        calls = database.calls + cache.calls
    finally:
        settle(database, cache)
    assert calls == 0, f"liveness ran dependency checks ({calls} calls): a database blip would get every pod restarted"
    assert answer == (200, {"status": "alive"}), f"liveness should be (200, alive) whatever the dependencies do, got {answer}"


@test("while draining, readiness answers 503 draining without running checks, and liveness stays alive")
def _():
    mod = load()
    clock = FakeClock()
    database = Check("ok")
    probes = make(mod, [("database", database, True)], clock=clock)
    probes.start_draining()
    answer = probe(probes.readiness, "readiness while draining", PROMPT).answer
    assert answer == (503, {"status": "draining", "checks": {}}), (
        f"readiness while draining should be (503, {{'status': 'draining', 'checks': {{}}}}), got {answer}"
    )
    assert database.calls == 0, "readiness ran the checks while draining; draining alone decides the answer"
    assert probes.liveness() == (200, {"status": "alive"}), (
        f"liveness should stay (200, alive) while draining (a restart would cut the graceful shutdown short), got {probes.liveness()}"
    )


@test("readiness is 200 ready when every check returns, whatever it returns, with each check's outcome")
def _():
    mod = load()
    assert probe(make(mod).readiness, "readiness with no checks", PROMPT).answer == (200, {"status": "ready", "checks": {}}), (
        "with no checks registered readiness should be (200, {'status': 'ready', 'checks': {}})"
    )
    database, queue = Check("ok"), Check("ok")
    probes = make(mod, [("database", database, True), ("queue", queue, True), ("search", lambda: None, False)])
    answer = probe(probes.readiness, "readiness with every check passing", PROMPT).answer
    expected = (200, {"status": "ready", "checks": {"database": "ok", "queue": "ok", "search": "ok"}})
    assert answer == expected, f"readiness should be {expected}, got {answer}"
    assert (database.calls, queue.calls) == (1, 1), f"each check should run once per readiness call, they ran {database.calls} and {queue.calls} times"


@test("a failing critical check (first, middle or last) makes readiness 503 not_ready; the other checks still run")
def _():
    mod = load()
    names = ["database", "queue", "cache"]
    for failing, position in ((0, "first"), (1, "middle"), (2, "last")):
        checks = [Check("fail" if n == failing else "ok") for n in range(3)]
        probes = make(mod, [(names[n], checks[n], True) for n in range(3)])
        answer = probe(probes.readiness, f"readiness with the {position} check failing", PROMPT).answer
        outcomes = {names[n]: "fail" if n == failing else "ok" for n in range(3)}
        assert answer == (503, {"status": "not_ready", "checks": outcomes}), (
            f"with the {position} check ({names[failing]}) raising, readiness should be "
            f"(503, {{'status': 'not_ready', 'checks': {outcomes}}}), got {answer}"
        )
        assert [c.calls for c in checks] == [1, 1, 1], f"every check should run once, the runs were {[c.calls for c in checks]}"


@test("a failing non-critical check is reported, but readiness stays 200 ready")
def _():
    mod = load()
    database, recommendations = Check("ok"), Check("fail")
    probes = make(mod, [("database", database, True), ("recommendations", recommendations, False)])
    answer = probe(probes.readiness, "readiness with a non-critical check failing", PROMPT).answer
    expected = (200, {"status": "ready", "checks": {"database": "ok", "recommendations": "fail"}})
    assert answer == expected, (
        f"a non-critical dependency failing must not take the instance out of the load balancer: expected {expected}, got {answer}"
    )


@test("a hanging check (first, middle or last) is reported timeout once timeout has passed, and readiness answers then")
def _():
    mod = load()
    names = ["database", "queue", "cache"]
    for hanging, position in ((0, "first"), (1, "middle"), (2, "last")):
        checks = [Check("hang" if n == hanging else "ok") for n in range(3)]
        probes = make(mod, [(names[n], checks[n], True) for n in range(3)], timeout=TIMEOUT)
        try:
            call = probe(probes.readiness, f"readiness with the {position} check hanging (timeout {TIMEOUT} s)", TIMEOUT + PROMPT)
            outcomes = {names[n]: "timeout" if n == hanging else "ok" for n in range(3)}
            assert call.answer == (503, {"status": "not_ready", "checks": outcomes}), (
                f"with the {position} check ({names[hanging]}) hanging, readiness should be "
                f"(503, {{'status': 'not_ready', 'checks': {outcomes}}}), got {call.answer}"
            )
            assert call.took >= TIMEOUT - 0.05, f"readiness answered after {call.took:.3f} s; it should give the checks {TIMEOUT} s"
        finally:
            settle(*checks)


@test("checks run at the same time: three checks that each wait for the other two all pass")
def _():
    mod = load()
    barrier = threading.Barrier(3, timeout=WAIT)
    started = []

    def meet(name):
        def check():
            started.append(name)
            barrier.wait()
        return check

    probes = make(mod, [(name, meet(name), True) for name in ("database", "queue", "cache")], timeout=PROMPT)
    answer = probe(probes.readiness, "readiness with three checks that meet at a barrier", WAIT + PROMPT).answer
    barrier.abort()
    expected = (200, {"status": "ready", "checks": {"database": "ok", "queue": "ok", "cache": "ok"}})
    assert answer == expected, (
        f"all three checks should run at once and pass, got {answer}: checks run one after another "
        "add their timeouts up, and the probe times out before they are done"
    )


@test("readiness answers as soon as every check has finished, not when the timeout ends")
def _():
    mod = load()
    probes = make(mod, [("database", Check("ok"), True), ("queue", Check("ok"), True)], timeout=2.0)
    call = probe(probes.readiness, "readiness with quick checks and a 2 s timeout", PROMPT)
    assert call.answer[0] == 200, f"readiness should be 200 with quick checks, got {call.answer}"


@test("a check still running from an earlier call is not started again; once it has finished, the next call runs it afresh")
def _():
    mod = load()
    database, queue = Check("hang"), Check("ok")
    probes = make(mod, [("database", database, True), ("queue", queue, True)], timeout=TIMEOUT)
    try:
        for attempt in ("first", "second", "third"):
            call = probe(probes.readiness, f"the {attempt} readiness call with the database hanging", TIMEOUT + PROMPT)
            expected = (503, {"status": "not_ready", "checks": {"database": "timeout", "queue": "ok"}})
            assert call.answer == expected, f"the {attempt} call should be {expected}, got {call.answer}"
        assert database.calls == 1, (
            f"the hanging database check was started {database.calls} times in three probes: every probe "
            "adds a thread stuck on the same dependency"
        )
        assert queue.calls == 3, f"the queue check should run on every call, it ran {queue.calls} times"
    finally:
        settle(database)
    database.mode = "ok"
    call = probe(probes.readiness, "readiness after the hanging check finished", TIMEOUT + PROMPT)
    assert call.answer == (200, {"status": "ready", "checks": {"database": "ok", "queue": "ok"}}), (
        f"once the database check has finished, the next call should run it again and be ready, got {call.answer}"
    )
    assert database.calls == 2, f"the database check should have run twice in all, it ran {database.calls} times"


@test("two readiness calls at once share the run of a check instead of starting it twice")
def _():
    mod = load()
    database = Check("hang")
    probes = make(mod, [("database", database, True)], timeout=PROMPT)
    first, second = Probe(probes.readiness), Probe(probes.readiness)
    try:
        first.start()
        assert database.entered.wait(WAIT), "the first readiness call never ran the database check"
        second.start()
        second.join(0.3)
        runs_while_busy = database.calls
    finally:
        settle(database)
    first.join(PROMPT)
    second.join(PROMPT)
    assert runs_while_busy == 1, f"two concurrent probes ran the database check {runs_while_busy} times; they should share one run"
    for name, call in (("first", first), ("second", second)):
        assert call.answer == (200, {"status": "ready", "checks": {"database": "ok"}}), (
            f"the {name} probe should be ready once the shared run returned, it answered {call.answer} ({call.error!r})"
        )


@test("the answer does not change when a timed-out check finishes later")
def _():
    mod = load()
    database = Check("hang")
    probes = make(mod, [("database", database, True)], timeout=TIMEOUT)
    try:
        call = probe(probes.readiness, "readiness with the database hanging", TIMEOUT + PROMPT)
    finally:
        settle(database)
    expected = (503, {"status": "not_ready", "checks": {"database": "timeout"}})
    assert call.answer == expected, f"readiness should be {expected}, got {call.answer}"
    join_other_threads()  # the late check's thread has stored whatever it stores
    assert call.answer == expected, (
        f"the answer already returned changed to {call.answer} after the check finished: the late result was "
        "written into the returned body"
    )
