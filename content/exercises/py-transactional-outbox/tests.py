# Hidden tests for py-transactional-outbox. Each test has its own SQLite file in the private /tmp
# and creates the schema itself. The learner's code gets one connection (`db.conn`); what was
# committed is read through a fresh second connection each time (what another process, or the
# relay after a restart, would see). Time comes from a fake clock; nothing sleeps. A crash of the
# relay process is a `Crash` (a BaseException, like the KeyboardInterrupt or SystemExit a dying
# process sees), followed by closing the connection and opening a new one.
import json
import os
import sqlite3
import tempfile

from harness import load, test

SCHEMA = """
CREATE TABLE orders (
    id          TEXT PRIMARY KEY,
    customer    TEXT NOT NULL,
    total_cents INTEGER NOT NULL CHECK (total_cents > 0),
    status      TEXT NOT NULL
);
CREATE TABLE outbox (
    seq          INTEGER PRIMARY KEY AUTOINCREMENT,
    aggregate_id TEXT NOT NULL,
    event_type   TEXT NOT NULL,
    payload      TEXT NOT NULL,
    published_at REAL
);
"""

START = 1000.0


class FakeClock:
    def __init__(self, now=START):
        self.now = now

    def __call__(self):
        return self.now


class BrokerDown(Exception):
    pass


class Crash(BaseException):
    """The relay process dies: not an Exception, so no `except Exception` may stop it."""


class Broker:
    """The fake publish: records what it accepted; each accepted message takes 1 s of the fake
    clock. Ids in `down` raise BrokerDown (nothing accepted). After accepting `crash_after`,
    the process crashes before publish returns."""

    def __init__(self, clock, down=(), crash_after=None, on_publish=None):
        self.clock = clock
        self.down = set(down)
        self.crash_after = crash_after
        self.on_publish = on_publish
        self.accepted = []

    def __call__(self, message):
        if message["id"] in self.down:
            raise BrokerDown(f"broker unavailable for message {message['id']}")
        self.accepted.append(json.loads(json.dumps(message)))
        self.clock.now += 1.0
        if self.on_publish is not None:
            self.on_publish(message)
        if message["id"] == self.crash_after:
            raise Crash()

    def ids(self):
        return [message["id"] for message in self.accepted]


class Db:
    def __init__(self):
        self.path = os.path.join(tempfile.mkdtemp(prefix="outbox-"), "orders.db")
        self.conn = self.connect()
        self.conn.executescript(SCHEMA)

    def connect(self):
        return sqlite3.connect(self.path, timeout=0.5)

    def committed(self, sql, args=()):
        reader = self.connect()
        try:
            return reader.execute(sql, args).fetchall()
        finally:
            reader.close()

    def orders(self):
        return self.committed("SELECT id, customer, total_cents, status FROM orders ORDER BY id")

    def outbox(self):
        rows = self.committed("SELECT seq, aggregate_id, event_type, payload FROM outbox ORDER BY seq")
        return [(seq, aggregate, kind, json.loads(payload)) for seq, aggregate, kind, payload in rows]

    def pending(self):
        return [seq for (seq,) in self.committed("SELECT seq FROM outbox WHERE published_at IS NULL ORDER BY seq")]

    def marks(self):
        return dict(self.committed("SELECT seq, published_at FROM outbox ORDER BY seq"))

    def execute(self, sql):
        """A statement of the test's own (a trigger), committed on the learner's connection."""
        self.conn.execute(sql)
        self.conn.commit()

    def enqueue(self, *events):
        """Outbox rows written directly, as the services' transactions would: (aggregate, type)."""
        with self.conn:
            for aggregate, kind in events:
                self.conn.execute(
                    "INSERT INTO outbox (aggregate_id, event_type, payload) VALUES (?, ?, ?)",
                    (aggregate, kind, json.dumps({"order_id": aggregate, "event": kind})),
                )

    def restart(self):
        """The relay process died: its connection goes (an open transaction rolls back)."""
        self.conn.close()
        self.conn = self.connect()


def expect_raises(exc_type, fn, situation):
    try:
        value = fn()
    except exc_type as exc:
        return exc
    except Exception as exc:  # noqa: BLE001
        raise AssertionError(f"{situation}: expected {exc_type.__name__}, got {type(exc).__name__}: {exc}") from None
    raise AssertionError(f"{situation}: expected {exc_type.__name__}, but it returned {value!r}")


def relay_pass(relay, situation):
    try:
        count = relay.relay_once()
    except Exception as exc:  # noqa: BLE001
        raise AssertionError(f"{situation}: relay_once raised {type(exc).__name__}: {exc}") from None
    return count


# Five pending messages; o-1 has the first, a middle and the last one.
FIVE = [
    ("o-1", "OrderPlaced"),
    ("o-2", "OrderPlaced"),
    ("o-1", "OrderPaid"),
    ("o-3", "OrderPlaced"),
    ("o-1", "OrderShipped"),
]


@test("place_order saves the order and its OrderPlaced message in one committed transaction")
def _():
    mod = load()
    db = Db()
    mod.place_order(db.conn, "o-1", "ada", 2500)
    assert db.orders() == [("o-1", "ada", 2500, "placed")], (
        f"another connection should see the committed order ('o-1', 'ada', 2500, 'placed'), it sees {db.orders()}"
    )
    payload = {"order_id": "o-1", "customer": "ada", "total_cents": 2500}
    assert db.outbox() == [(1, "o-1", "OrderPlaced", payload)], (
        f"another connection should see one committed outbox row (1, 'o-1', 'OrderPlaced', {payload}), it sees {db.outbox()}"
    )
    assert db.pending() == [1], "a new outbox row must stay unpublished (published_at NULL) until the relay publishes it"


@test("when writing the outbox message fails, the order is not saved either, and the error propagates")
def _():
    mod = load()
    db = Db()
    db.execute("CREATE TRIGGER outbox_full BEFORE INSERT ON outbox BEGIN SELECT RAISE(ABORT, 'outbox is full'); END")
    expect_raises(sqlite3.Error, lambda: mod.place_order(db.conn, "o-1", "ada", 2500), "place_order when the outbox insert fails")
    assert db.orders() == [], (
        f"the order was saved without its OrderPlaced message ({db.orders()}): nobody will ever hear of it"
    )
    assert db.outbox() == [], f"the outbox should be empty, it holds {db.outbox()}"


@test("when saving the order fails, no message is written, and the error propagates")
def _():
    mod = load()
    db = Db()
    mod.place_order(db.conn, "o-1", "ada", 2500)
    expect_raises(sqlite3.Error, lambda: mod.place_order(db.conn, "o-1", "bob", 900), "place_order for an id already taken")
    expect_raises(sqlite3.Error, lambda: mod.place_order(db.conn, "o-2", "bob", 0), "place_order with total_cents 0 (CHECK total_cents > 0)")
    kinds = [(aggregate, kind) for _, aggregate, kind, _ in db.outbox()]
    assert kinds == [("o-1", "OrderPlaced")], (
        f"only the order that was saved may have a message; the outbox holds {kinds}"
    )
    assert db.orders() == [("o-1", "ada", 2500, "placed")], f"the orders table should hold only o-1, it holds {db.orders()}"


@test("a failed place_order rolls back: a later commit on the same connection does not save half of it")
def _():
    mod = load()
    db = Db()
    db.execute("CREATE TRIGGER outbox_full BEFORE INSERT ON outbox BEGIN SELECT RAISE(ABORT, 'outbox is full'); END")
    expect_raises(sqlite3.Error, lambda: mod.place_order(db.conn, "o-1", "ada", 2500), "place_order when the outbox insert fails")
    db.execute("DROP TRIGGER outbox_full")  # the next commit on this connection
    mod.place_order(db.conn, "o-2", "bob", 900)
    ids = [row[0] for row in db.orders()]
    assert ids == ["o-2"], (
        f"after o-1 failed and o-2 was placed, the orders table holds {ids}: the failed o-1 was left in the "
        "connection's open transaction and a later commit saved it without its message"
    )
    assert [aggregate for _, aggregate, _, _ in db.outbox()] == ["o-2"], f"the outbox should hold only o-2's message, it holds {db.outbox()}"


@test("cancel_order sets the status and writes OrderCancelled together; an unknown order raises KeyError and writes nothing")
def _():
    mod = load()
    db = Db()
    mod.place_order(db.conn, "o-1", "ada", 2500)
    mod.place_order(db.conn, "o-2", "bob", 900)
    mod.cancel_order(db.conn, "o-2", "customer changed their mind")
    assert db.orders() == [("o-1", "ada", 2500, "placed"), ("o-2", "bob", 900, "cancelled")], (
        f"only o-2 should be cancelled, the orders are {db.orders()}"
    )
    last = db.outbox()[-1]
    assert last == (3, "o-2", "OrderCancelled", {"order_id": "o-2", "reason": "customer changed their mind"}), (
        f"the third outbox row should be o-2's OrderCancelled with its reason, it is {last}"
    )
    expect_raises(KeyError, lambda: mod.cancel_order(db.conn, "o-404", "typo"), "cancel_order for an unknown order")
    kinds = [(aggregate, kind) for _, aggregate, kind, _ in db.outbox()]
    assert len(kinds) == 3, f"cancelling an unknown order must write no message, the outbox holds {kinds}"


@test("when writing the cancellation message fails, the order stays placed")
def _():
    mod = load()
    db = Db()
    mod.place_order(db.conn, "o-1", "ada", 2500)
    db.execute("CREATE TRIGGER outbox_full BEFORE INSERT ON outbox BEGIN SELECT RAISE(ABORT, 'outbox is full'); END")
    expect_raises(sqlite3.Error, lambda: mod.cancel_order(db.conn, "o-1", "fraud"), "cancel_order when the outbox insert fails")
    db.execute("DROP TRIGGER outbox_full")
    assert db.orders() == [("o-1", "ada", 2500, "placed")], (
        f"the order must stay 'placed' when its OrderCancelled message could not be written, the orders are {db.orders()}"
    )
    assert len(db.outbox()) == 1, f"only the OrderPlaced message should exist, the outbox holds {db.outbox()}"


@test("the relay publishes every pending message oldest first, as a dict with id, aggregate_id, type and payload")
def _():
    mod = load()
    db = Db()
    clock = FakeClock()
    mod.place_order(db.conn, "o-1", "ada", 2500)
    mod.place_order(db.conn, "o-2", "bob", 900)
    mod.cancel_order(db.conn, "o-1", "fraud")
    broker = Broker(clock)
    count = relay_pass(mod.OutboxRelay(db.conn, broker, clock=clock), "the first pass")
    expected = [
        {"id": 1, "aggregate_id": "o-1", "type": "OrderPlaced", "payload": {"order_id": "o-1", "customer": "ada", "total_cents": 2500}},
        {"id": 2, "aggregate_id": "o-2", "type": "OrderPlaced", "payload": {"order_id": "o-2", "customer": "bob", "total_cents": 900}},
        {"id": 3, "aggregate_id": "o-1", "type": "OrderCancelled", "payload": {"order_id": "o-1", "reason": "fraud"}},
    ]
    assert broker.accepted == expected, f"the broker should receive {expected}, it received {broker.accepted}"
    assert count == 3, f"relay_once should return 3 (messages published), got {count!r}"
    assert db.pending() == [], f"every published message should be marked, still pending: {db.pending()}"


@test("each message is marked published_at = clock() after its publish returns, and committed before the next publish")
def _():
    mod = load()
    db = Db()
    clock = FakeClock()
    db.enqueue(*FIVE)
    unmarked_before = []

    def check_previous_committed(message):
        previous = message["id"] - 1
        if previous >= 1 and previous in db.pending():
            unmarked_before.append((message["id"], previous))

    broker = Broker(clock, on_publish=check_previous_committed)
    relay_pass(mod.OutboxRelay(db.conn, broker, clock=clock), "a pass over five messages")
    assert broker.ids() == [1, 2, 3, 4, 5], f"the broker should receive messages 1 to 5 in order, it received {broker.ids()}"
    assert not unmarked_before, (
        f"when message {unmarked_before[0][0]} was published, message {unmarked_before[0][1]} was not yet marked in a "
        "committed transaction: a crash now would republish everything not committed"
    )
    # The broker takes 1 s per message, so the time read after publish returns is 1001, 1002...
    expected = {seq: START + seq for seq in range(1, 6)}
    assert db.marks() == expected, (
        f"published_at should be the clock read after each publish returned, {expected}; got {db.marks()}"
    )


@test("a pass with nothing pending publishes nothing; a message written later goes out on the next pass")
def _():
    mod = load()
    db = Db()
    clock = FakeClock()
    broker = Broker(clock)
    relay = mod.OutboxRelay(db.conn, broker, clock=clock)
    assert relay_pass(relay, "a pass over an empty outbox") == 0, "relay_once should return 0 when nothing is pending"
    mod.place_order(db.conn, "o-1", "ada", 2500)
    assert relay_pass(relay, "the pass after o-1 was placed") == 1, "relay_once should return 1 for one pending message"
    assert relay_pass(relay, "a pass after everything was published") == 0, "a second pass should publish nothing"
    mod.place_order(db.conn, "o-2", "bob", 900)
    assert relay_pass(relay, "the pass after o-2 was placed") == 1, "relay_once should return 1 for the new message"
    assert broker.ids() == [1, 2], f"each message should be published once, in order: got {broker.ids()}"


@test("a failed publish (first, middle or last message) stays pending and holds back its aggregate only; the next pass sends it, then its successors")
def _():
    mod = load()
    for failing, position in ((1, "first"), (3, "middle"), (5, "last")):
        db = Db()
        clock = FakeClock()
        db.enqueue(*FIVE)
        broker = Broker(clock, down={failing})
        relay = mod.OutboxRelay(db.conn, broker, clock=clock)
        count = relay_pass(relay, f"a pass where the {position} message (o-1) fails")
        held = [seq for seq in (1, 3, 5) if seq >= failing]  # o-1's messages from the failed one on
        sent = [seq for seq in range(1, 6) if seq not in held]
        assert broker.ids() == sent, (
            f"when message {failing} ({position}, aggregate o-1) fails, the broker should receive {sent}: "
            f"o-1's later messages wait behind it, other orders go on; it received {broker.ids()}"
        )
        assert count == len(sent), f"relay_once should return {len(sent)} (the messages published), got {count!r}"
        assert db.pending() == held, f"messages {held} should stay pending after the failure, pending: {db.pending()}"
        db.enqueue(("o-1", "OrderDelivered"), ("o-4", "OrderPlaced"))  # new arrivals: 6 and 7
        broker.down.clear()
        count = relay_pass(relay, f"the pass after the {position} message failed")
        assert broker.ids() == sent + held + [6, 7], (
            f"the next pass should publish {held + [6, 7]} in order (the failed message first), "
            f"the broker received {broker.ids()[len(sent):]}"
        )
        assert count == len(held) + 2, f"relay_once should return {len(held) + 2}, got {count!r}"
        assert db.pending() == [], f"nothing should be pending after the retry, pending: {db.pending()}"


@test("a crash after the broker took a message and before it was marked (first, middle or last): after a restart that message is sent again, and only it")
def _():
    mod = load()
    for crash_at, position in ((1, "first"), (3, "middle"), (5, "last")):
        db = Db()
        clock = FakeClock()
        db.enqueue(*FIVE)
        broker = Broker(clock, crash_after=crash_at)
        try:
            count = mod.OutboxRelay(db.conn, broker, clock=clock).relay_once()
        except Crash:
            pass
        else:
            raise AssertionError(
                f"the process crashed inside publish ({position} message) but relay_once returned {count!r}: "
                "a crash (a BaseException) must not be caught"
            )
        assert broker.ids() == list(range(1, crash_at + 1)), (
            f"nothing may be published after the crash at message {crash_at}, the broker received {broker.ids()}"
        )
        db.restart()
        after = Broker(clock)
        relay_pass(mod.OutboxRelay(db.conn, after, clock=clock), f"the pass after a restart (crash at the {position} message)")
        expected = list(range(crash_at, 6))
        assert after.ids() == expected, (
            f"after crashing between publishing message {crash_at} and marking it, the restarted relay should "
            f"publish {expected} (the in-flight message again: at least once); it published {after.ids()}"
        )
        assert db.pending() == [], f"nothing should be pending after the restart, pending: {db.pending()}"


@test("a database error while marking a message (first, middle or last) propagates, and the next pass publishes that message again")
def _():
    mod = load()
    for failing, position in ((1, "first"), (3, "middle"), (5, "last")):
        db = Db()
        clock = FakeClock()
        db.enqueue(*FIVE)
        db.execute(
            f"CREATE TRIGGER disk_error BEFORE UPDATE OF published_at ON outbox WHEN OLD.seq = {failing} "
            "BEGIN SELECT RAISE(ABORT, 'disk I/O error'); END"
        )
        broker = Broker(clock)
        relay = mod.OutboxRelay(db.conn, broker, clock=clock)
        expect_raises(sqlite3.Error, relay.relay_once, f"relay_once when marking the {position} message ({failing}) fails")
        assert broker.ids() == list(range(1, failing + 1)), (
            f"the relay should stop at the database error after publishing messages 1 to {failing}, "
            f"the broker received {broker.ids()}"
        )
        db.execute("DROP TRIGGER disk_error")
        left = list(range(failing, 6))
        assert db.pending() == left, f"messages {left} should still be pending, pending: {db.pending()}"
        relay_pass(relay, f"the pass after the database recovered ({position} message)")
        assert broker.ids() == list(range(1, failing + 1)) + left, (
            f"the next pass should publish {left} ({failing} again: it was never marked); "
            f"the broker received {broker.ids()}"
        )
