# Mistake: publishes the whole pass, then marks every published message in one transaction at the end, so a crash midway republishes everything sent before it
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
    # `with conn` is one transaction: it commits when the block ends and rolls back when
    # anything in it raises, so the order and its message are saved together or not at all.
    with conn:
        conn.execute(
            "INSERT INTO orders (id, customer, total_cents, status) VALUES (?, ?, ?, 'placed')",
            (order_id, customer, total_cents),
        )
        payload = {"order_id": order_id, "customer": customer, "total_cents": total_cents}
        _append(conn, order_id, "OrderPlaced", payload)


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
        done = []
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
            done.append((self.clock(), seq))
            published += 1
        with self.conn:
            self.conn.executemany("UPDATE outbox SET published_at = ? WHERE seq = ?", done)
        return published
