# Alternative: explicit BEGIN / COMMIT / ROLLBACK in a context manager, and a relay that fetches one pending message at a time, leaving out the aggregates that failed in this pass
import json
import time
from contextlib import contextmanager


@contextmanager
def transaction(conn):
    conn.execute("BEGIN")
    try:
        yield conn
    except BaseException:
        conn.rollback()
        raise
    else:
        conn.commit()


def _outbox(conn, aggregate_id, event_type, payload):
    conn.execute(
        "INSERT INTO outbox (aggregate_id, event_type, payload) VALUES (?, ?, ?)",
        (aggregate_id, event_type, json.dumps(payload)),
    )


def place_order(conn, order_id, customer, total_cents):
    with transaction(conn):
        conn.execute(
            "INSERT INTO orders VALUES (?, ?, ?, 'placed')", (order_id, customer, total_cents)
        )
        _outbox(conn, order_id, "OrderPlaced",
                {"order_id": order_id, "customer": customer, "total_cents": total_cents})


def cancel_order(conn, order_id, reason):
    with transaction(conn):
        found = conn.execute("SELECT 1 FROM orders WHERE id = ?", (order_id,)).fetchone()
        if found is None:
            raise KeyError(order_id)
        conn.execute("UPDATE orders SET status = 'cancelled' WHERE id = ?", (order_id,))
        _outbox(conn, order_id, "OrderCancelled", {"order_id": order_id, "reason": reason})


class OutboxRelay:
    def __init__(self, conn, publish, clock=time.time):
        self._conn, self._publish, self._clock = conn, publish, clock

    def _next(self, after, failed):
        marks = ",".join("?" * len(failed))
        skip = f" AND aggregate_id NOT IN ({marks})" if failed else ""
        return self._conn.execute(
            "SELECT seq, aggregate_id, event_type, payload FROM outbox"
            f" WHERE published_at IS NULL AND seq > ?{skip} ORDER BY seq LIMIT 1",
            (after, *failed),
        ).fetchone()

    def relay_once(self):
        last = max([0] + [s for (s,) in self._conn.execute("SELECT seq FROM outbox")])
        after, failed, count = 0, [], 0
        while True:
            row = self._next(after, failed)
            if row is None or row[0] > last:
                return count
            seq, aggregate_id, event_type, payload = row
            after = seq
            try:
                self._publish({"id": seq, "aggregate_id": aggregate_id, "type": event_type,
                               "payload": json.loads(payload)})
            except Exception:
                failed.append(aggregate_id)
                continue
            with transaction(self._conn):
                self._conn.execute("UPDATE outbox SET published_at = ? WHERE seq = ?",
                                   (self._clock(), seq))
            count += 1
