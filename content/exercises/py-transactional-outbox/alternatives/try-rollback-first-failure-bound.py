# Alternative: try/commit/except-rollback around a list of statements (an UPDATE that changes no row is the KeyError), and a relay that remembers the seq of each aggregate's first failure
import json
import sqlite3
import time

PLACED, CANCELLED = "OrderPlaced", "OrderCancelled"


def _write(conn, statements):
    try:
        for sql, args in statements:
            result = conn.execute(sql, args)
            if sql.startswith("UPDATE") and result.rowcount != 1:
                raise KeyError(args[-1])
        conn.commit()
    except BaseException:
        conn.rollback()
        raise


def _event(aggregate_id, event_type, payload):
    return ("INSERT INTO outbox (aggregate_id, event_type, payload) VALUES (?, ?, ?)",
            (aggregate_id, event_type, json.dumps(payload, sort_keys=True)))


def place_order(conn, order_id, customer, total_cents):
    _write(conn, [
        ("INSERT INTO orders (id, customer, total_cents, status) VALUES (?, ?, ?, ?)",
         (order_id, customer, total_cents, "placed")),
        _event(order_id, PLACED, dict(order_id=order_id, customer=customer, total_cents=total_cents)),
    ])


def cancel_order(conn, order_id, reason):
    _write(conn, [
        ("UPDATE orders SET status = 'cancelled' WHERE id = ?", (order_id,)),
        _event(order_id, CANCELLED, dict(order_id=order_id, reason=reason)),
    ])


class OutboxRelay:
    def __init__(self, conn, publish, clock=time.time):
        self.conn = conn
        self.publish = publish
        self.clock = clock

    def relay_once(self):
        pending = list(self.conn.execute(
            "SELECT * FROM outbox WHERE published_at IS NULL ORDER BY seq"))
        first_failure = {}
        sent = 0
        for seq, aggregate_id, event_type, payload, _ in pending:
            if first_failure.get(aggregate_id, seq + 1) < seq:
                continue
            try:
                self.publish(dict(id=seq, aggregate_id=aggregate_id, type=event_type,
                                  payload=json.loads(payload)))
            except Exception:
                first_failure[aggregate_id] = seq
                continue
            now = self.clock()
            try:
                self.conn.executemany("UPDATE outbox SET published_at = ? WHERE seq = ?", [(now, seq)])
                self.conn.commit()
            except BaseException:
                self.conn.rollback()
                raise
            sent += 1
        return sent
