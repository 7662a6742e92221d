# Mistake: commits on success but lets a failed write propagate without rolling back, so the half-written order stays in the connection's open transaction and the next commit on it saves the order without its message
import json
import sqlite3
import time

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


def create_schema(conn):
    conn.executescript(SCHEMA)


def _append(conn, aggregate_id, event_type, payload):
    conn.execute(
        "INSERT INTO outbox (aggregate_id, event_type, payload) VALUES (?, ?, ?)",
        (aggregate_id, event_type, json.dumps(payload)),
    )


def place_order(conn, order_id, customer, total_cents):
    conn.execute(
        "INSERT INTO orders (id, customer, total_cents, status) VALUES (?, ?, ?, 'placed')",
        (order_id, customer, total_cents),
    )
    payload = {"order_id": order_id, "customer": customer, "total_cents": total_cents}
    _append(conn, order_id, "OrderPlaced", payload)
    conn.commit()


def cancel_order(conn, order_id, reason):
    with conn:
        updated = conn.execute(
            "UPDATE orders SET status = 'cancelled' WHERE id = ?", (order_id,)
        ).rowcount
        if updated == 0:
            raise KeyError(order_id)
        _append(conn, order_id, "OrderCancelled", {"order_id": order_id, "reason": reason})


class OutboxRelay:
    def __init__(self, conn, publish, clock=time.time):
        self.conn = conn
        self.publish = publish
        self.clock = clock

    def relay_once(self):
        rows = self.conn.execute(
            "SELECT seq, aggregate_id, event_type, payload FROM outbox"
            " WHERE published_at IS NULL ORDER BY seq"
        ).fetchall()
        held_back = set()  # aggregates with a failed message in this pass
        published = 0
        for seq, aggregate_id, event_type, payload in rows:
            if aggregate_id in held_back:
                continue  # publishing it now would overtake the failed one
            message = {
                "id": seq,
                "aggregate_id": aggregate_id,
                "type": event_type,
                "payload": json.loads(payload),
            }
            try:
                self.publish(message)
            except Exception:
                held_back.add(aggregate_id)  # stays pending; the next pass retries it
                continue
            # Mark only after the broker has it, and commit before the next publish: a crash
            # before this commit republishes this one message (at least once), never loses it.
            with self.conn:
                self.conn.execute(
                    "UPDATE outbox SET published_at = ? WHERE seq = ?", (self.clock(), seq)
                )
            published += 1
        return published
