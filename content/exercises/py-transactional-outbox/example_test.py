# A visible example: an order placed is published by the relay, once.
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


@test("the relay publishes a placed order's message once")
def _():
    mod = load()
    conn = sqlite3.connect(os.path.join(tempfile.mkdtemp(), "orders.db"))
    conn.executescript(SCHEMA)
    mod.place_order(conn, "o-1", "ada", 2500)
    published = []
    relay = mod.OutboxRelay(conn, published.append, clock=lambda: 1000.0)
    assert relay.relay_once() == 1, "the first pass should publish the one pending message"
    assert relay.relay_once() == 0, "the second pass should find nothing pending"
    assert [(m["id"], m["type"], m["aggregate_id"]) for m in published] == [(1, "OrderPlaced", "o-1")], (
        f"the broker should receive o-1's OrderPlaced once, it received {published}"
    )
