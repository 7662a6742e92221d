# Hidden tests for py-idempotent-consumer. The concurrency tests use real threads coordinated by
# threading.Event / Barrier; every wait is bounded by a timeout (no sleeps). A duplicate is always
# delivered from a thread other than the one blocked in the handler.
import threading
import time

from harness import load, test

WAIT = 2.0       # generous bound for something that should happen promptly
GRACE = 0.3      # how long a duplicate gets to (wrongly) get through before the first finishes

# Thread stacks default to 8 MB (RLIMIT_STACK), and the jail's address-space limit counts them:
# with small stacks these tests stay far below it, whatever threads are left from earlier tests.
threading.stack_size(512 * 1024)


class Boom(Exception):
    pass


class Delivery(threading.Thread):
    """Calls consumer.handle(message) on its own thread and keeps the outcome."""

    def __init__(self, consumer, message, barrier=None):
        super().__init__(daemon=True)
        self.consumer = consumer
        self.message = message
        self.barrier = barrier
        self.result = None
        self.error = None

    def run(self):
        try:
            if self.barrier is not None:
                self.barrier.wait()
            self.result = self.consumer.handle(self.message)
        except BaseException as exc:  # noqa: BLE001 - inspected by the tests
            self.error = exc

    def outcome(self):
        if self.is_alive():
            return "was still blocked"
        if self.error is not None:
            return f"raised {type(self.error).__name__}: {self.error}"
        return f"returned {self.result!r}"


def expect_raises(exc_type, fn, situation):
    try:
        value = fn()
    except exc_type as exc:
        return exc
    except Exception as exc:  # noqa: BLE001
        raise AssertionError(f"{situation}: expected {exc_type.__name__}, got {type(exc).__name__}: {exc}") from None
    raise AssertionError(f"{situation}: expected {exc_type.__name__}, but handle returned {value!r}")


@test("the first delivery runs the handler with the message and returns True")
def _():
    mod = load()
    seen = []
    consumer = mod.IdempotentConsumer(seen.append)
    message = {"id": "order-101", "amount": 30}
    result = consumer.handle(message)
    assert result is True, f"the first delivery of an id should return True, got {result!r}"
    assert seen == [message], f"the handler should be called once with the message, got calls {seen}"
    assert consumer.handle({"id": "order-102"}) is True, "a message with a different id should be handled too"
    assert len(seen) == 2, f"two different ids should run the handler twice, it ran {len(seen)} times"


@test("a duplicate id returns False without calling the handler, however often it comes")
def _():
    mod = load()
    seen = []
    consumer = mod.IdempotentConsumer(seen.append)
    consumer.handle({"id": "order-201"})
    consumer.handle({"id": "order-202"})
    for _ in range(3):
        for message_id in ("order-201", "order-202"):
            result = consumer.handle({"id": message_id, "retry": True})
            assert result is False, f"a redelivery of {message_id!r} should return False, got {result!r}"
    assert len(seen) == 2, f"the handler should run once per id, it ran {len(seen)} times for 2 ids"


@test("a message without an id, or with id None, raises ValueError without calling the handler")
def _():
    mod = load()
    seen = []
    consumer = mod.IdempotentConsumer(seen.append)
    for message in ({}, {"body": "charge 30"}, {"id": None, "body": "charge 30"}):
        expect_raises(ValueError, lambda: consumer.handle(message), f"handle({message!r})")
    assert seen == [], f"the handler should not be called for a message without an id, it got {seen}"


@test("an id of 0 is a real id, not a missing one")
def _():
    mod = load()
    seen = []
    consumer = mod.IdempotentConsumer(seen.append)
    try:
        first = consumer.handle({"id": 0})
    except ValueError:
        raise AssertionError("handle({'id': 0}) raised ValueError; only a missing id or None is missing") from None
    assert first is True, f"the first delivery of id 0 should return True, got {first!r}"
    assert consumer.handle({"id": 0}) is False, "a redelivery of id 0 should return False"
    assert len(seen) == 1, f"the handler should run once for id 0, it ran {len(seen)} times"


@test("a raising handler propagates its exception unchanged and records nothing")
def _():
    mod = load()
    store = set()
    error = Boom("payment gateway timed out")

    def handler(message):
        raise error

    consumer = mod.IdempotentConsumer(handler, store)
    raised = expect_raises(Boom, lambda: consumer.handle({"id": "order-5"}), "when the handler raises")
    assert raised is error, "handle should let the handler's own exception propagate unchanged"
    assert "order-5" not in store, f"the id was recorded although the handler failed (the store holds {store})"


@test("a store passed in is the record, shared by a new consumer, even when it starts empty")
def _():
    mod = load()
    store = set()
    first_calls, second_calls = [], []
    first = mod.IdempotentConsumer(first_calls.append, store)
    assert first.handle({"id": "order-1"}) is True, "the first delivery should return True"
    assert "order-1" in store, f"the id should be added to the set passed as store, the set holds {store}"
    second = mod.IdempotentConsumer(second_calls.append, store)
    result = second.handle({"id": "order-1"})
    assert result is False, f"a new consumer sharing the store should treat order-1 as a duplicate, got {result!r}"
    assert second_calls == [], "the new consumer called its handler for an id already in the store"
    third_calls = []
    third = mod.IdempotentConsumer(third_calls.append, {"order-9"})
    assert third.handle({"id": "order-9"}) is False, "an id already in the store passed in should count as processed"
    assert third_calls == [], "the handler was called for an id that was already in the store"


@test("consumers created without a store do not share their records")
def _():
    mod = load()
    a_calls, b_calls = [], []
    a = mod.IdempotentConsumer(a_calls.append)
    b = mod.IdempotentConsumer(b_calls.append)
    assert a.handle({"id": "order-77"}) is True, "the first consumer should handle order-77"
    result = b.handle({"id": "order-77"})
    assert result is True, (
        f"a second consumer with its own (default) store should handle order-77 too, got {result!r}: "
        "the two consumers share one record"
    )
    assert b_calls == [{"id": "order-77"}], "the second consumer's handler should run once"


@test("after a handler failure the redelivery runs the handler again, without blocking")
def _():
    mod = load()
    attempts = []

    def handler(message):
        attempts.append(message["id"])
        if len(attempts) == 1:
            raise Boom("database is down")

    consumer = mod.IdempotentConsumer(handler)
    expect_raises(Boom, lambda: consumer.handle({"id": "order-3"}), "when the handler raises")
    redelivery = Delivery(consumer, {"id": "order-3"})
    redelivery.start()
    redelivery.join(WAIT)
    assert not redelivery.is_alive(), (
        f"the redelivery of order-3 was still blocked {WAIT} s after the handler failed: "
        "the failed delivery never released what it held"
    )
    assert redelivery.error is None and redelivery.result is True, (
        f"the redelivery after a failure should run the handler and return True, it {redelivery.outcome()}"
    )
    assert attempts == ["order-3", "order-3"], f"the handler should run again on redelivery, it ran {len(attempts)} times"
    assert consumer.handle({"id": "order-3"}) is False, "once the handler has succeeded, a further delivery should return False"


@test("a duplicate arriving while the first delivery is in the handler waits for it, then returns False")
def _():
    mod = load()
    entered, release = threading.Event(), threading.Event()
    calls = []

    def handler(message):
        calls.append(message["id"])
        if len(calls) == 1:
            entered.set()
            release.wait(WAIT)

    consumer = mod.IdempotentConsumer(handler)
    first = Delivery(consumer, {"id": "order-7"})
    duplicate = Delivery(consumer, {"id": "order-7"})
    try:
        first.start()
        assert entered.wait(WAIT), "the handler was not called for the first delivery"
        duplicate.start()
        duplicate.join(GRACE)
        duplicate_waited = duplicate.is_alive()
        calls_while_busy = len(calls)
        early_outcome = duplicate.outcome()
    finally:
        release.set()
    first.join(WAIT)
    duplicate.join(WAIT)
    assert calls_while_busy == 1, "the handler ran a second time for the duplicate while the first delivery was still in it"
    assert duplicate_waited, (
        f"the duplicate {early_outcome} while the first delivery was still in the handler; "
        "it should wait for the first delivery to finish"
    )
    assert first.error is None and first.result is True, f"the first delivery should return True, it {first.outcome()}"
    assert duplicate.error is None and duplicate.result is False, (
        f"once the first delivery succeeded, the waiting duplicate should return False, it {duplicate.outcome()}"
    )
    assert calls == ["order-7"], f"the handler should run once for order-7, it ran {len(calls)} times"


@test("a duplicate waiting on a delivery whose handler fails runs the handler itself")
def _():
    mod = load()
    entered, release = threading.Event(), threading.Event()
    calls = []

    def handler(message):
        calls.append(message["id"])
        if len(calls) == 1:
            entered.set()
            release.wait(WAIT)
            raise Boom("payment gateway timed out")

    consumer = mod.IdempotentConsumer(handler)
    first = Delivery(consumer, {"id": "order-8"})
    duplicate = Delivery(consumer, {"id": "order-8"})
    try:
        first.start()
        assert entered.wait(WAIT), "the handler was not called for the first delivery"
        duplicate.start()
        duplicate.join(GRACE)
        calls_while_busy = len(calls)
    finally:
        release.set()
    first.join(WAIT)
    duplicate.join(WAIT)
    assert calls_while_busy == 1, "the handler ran a second time for the duplicate while the first delivery was still in it"
    assert isinstance(first.error, Boom), f"the first delivery should raise the handler's Boom, it {first.outcome()}"
    assert duplicate.error is None and duplicate.result is True, (
        f"the first delivery failed, so the waiting duplicate is the retry: it should run the handler and "
        f"return True, but it {duplicate.outcome()}"
    )
    assert calls == ["order-8", "order-8"], f"the handler should have run twice (the failure, then the retry), it ran {len(calls)} times"


@test("many threads delivering the same ids at once run the handler exactly once per id")
def _():
    mod = load()
    ids = ["order-a", "order-b", "order-a", "order-b", "order-a", "order-b"]
    guard = threading.Lock()
    calls = {"order-a": 0, "order-b": 0}
    active = {"order-a": 0, "order-b": 0}
    overlap = {"order-a": threading.Event(), "order-b": threading.Event()}

    def handler(message):
        message_id = message["id"]
        with guard:
            calls[message_id] += 1
            active[message_id] += 1
            if active[message_id] > 1:
                overlap[message_id].set()
        # Stay in the handler a moment (bounded) so a duplicate that is let through shows up.
        overlap[message_id].wait(GRACE)
        with guard:
            active[message_id] -= 1

    consumer = mod.IdempotentConsumer(handler)
    barrier = threading.Barrier(len(ids), timeout=WAIT)
    deliveries = [Delivery(consumer, {"id": message_id}, barrier) for message_id in ids]
    for delivery in deliveries:
        delivery.start()
    deadline = time.monotonic() + WAIT + 1
    for delivery in deliveries:
        delivery.join(max(0.0, deadline - time.monotonic()))
    stuck = [d for d in deliveries if d.is_alive()]
    assert not stuck, f"{len(stuck)} of the {len(ids)} concurrent deliveries were still blocked after {WAIT + 1} s"
    errors = [d.outcome() for d in deliveries if d.error is not None]
    assert not errors, f"concurrent deliveries should not fail, but one {errors[0]}"
    for message_id in ("order-a", "order-b"):
        assert not overlap[message_id].is_set(), f"the handler ran for {message_id} in two threads at the same time"
        assert calls[message_id] == 1, f"the handler should run once for {message_id}, it ran {calls[message_id]} times"
        results = sorted(d.result for d in deliveries if d.message["id"] == message_id)
        assert results == [False, False, True], (
            f"of the 3 concurrent deliveries of {message_id}, one should return True and two False, got {results}"
        )


@test("when the first delivery fails with duplicates waiting, one retries and the others, and later arrivals, wait for it")
def _():
    mod = load()
    entered_first, release_first = threading.Event(), threading.Event()
    entered_retry, release_retry = threading.Event(), threading.Event()
    guard = threading.Lock()
    calls = []

    def handler(message):
        with guard:
            calls.append(message["id"])
            attempt = len(calls)
        if attempt == 1:
            entered_first.set()
            release_first.wait(WAIT)
            raise Boom("payment gateway timed out")
        if attempt == 2:
            entered_retry.set()
            release_retry.wait(WAIT)
        # A third call is the mistake under test: it returns at once and is counted.

    consumer = mod.IdempotentConsumer(handler)
    first = Delivery(consumer, {"id": "order-9"})
    waiting = [Delivery(consumer, {"id": "order-9"}), Delivery(consumer, {"id": "order-9"})]
    late = Delivery(consumer, {"id": "order-9"})
    try:
        first.start()
        assert entered_first.wait(WAIT), "the handler was not called for the first delivery"
        for delivery in waiting:
            delivery.start()
        for delivery in waiting:
            delivery.join(GRACE / 2)
        calls_while_first_busy = len(calls)
        release_first.set()
        first.join(WAIT)
        retry_started = entered_retry.wait(WAIT)
        late.start()  # a new delivery arrives after the failure, while the retry is in the handler
        late.join(GRACE)
        for delivery in waiting:
            delivery.join(GRACE / 4)
        calls_while_retry_busy = len(calls)
        late_outcome = late.outcome()
    finally:
        release_first.set()
        release_retry.set()
    # Threads blocked for good (a lock never released) are left behind: they are daemons.
    deadline = time.monotonic() + (WAIT if retry_started else GRACE)
    for delivery in [first, late] + waiting:
        delivery.join(max(0.0, deadline - time.monotonic()))
    assert calls_while_first_busy == 1, "the handler ran again for a duplicate while the first delivery was still in it"
    assert isinstance(first.error, Boom), f"the first delivery should raise the handler's Boom, it {first.outcome()}"
    assert retry_started, "after the first delivery failed, neither waiting duplicate ran the handler (one of them is the retry)"
    assert calls_while_retry_busy == 2, (
        f"while one waiting duplicate was retrying the handler, it ran {calls_while_retry_busy - 2} more time(s): "
        "the other waiting duplicate and a delivery arriving after the failure must wait for the retry"
    )
    assert not late.error and late.result is False, (
        f"a delivery arriving while the retry was in the handler should wait and then return False; it {late.outcome()} "
        f"(while the retry was running, it {late_outcome})"
    )
    results = sorted(repr(d.result) if d.error is None else "raised" for d in waiting)
    assert results == ["False", "True"], (
        f"of the two duplicates waiting on the failed delivery, one should retry and return True and the other "
        f"return False; they {', '.join(d.outcome() for d in waiting)}"
    )
    assert calls == ["order-9", "order-9"], f"the handler should run twice (the failure, then one retry), it ran {len(calls)} times"
