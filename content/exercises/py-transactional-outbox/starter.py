import json
import sqlite3
import time

# The tables already exist (the tests create them with exactly this schema); do not change them.
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
    """For your own experiments: sqlite3.connect(":memory:"), then create_schema(conn)."""
    conn.executescript(SCHEMA)


def place_order(conn, order_id, customer, total_cents):
    """Save the order (status 'placed') and its OrderPlaced message in one transaction."""
    # Your code here.
    pass


def cancel_order(conn, order_id, reason):
    """Set the order's status to 'cancelled' and write its OrderCancelled message in one
    transaction. KeyError for an unknown order."""
    # Your code here.
    pass


class OutboxRelay:
    def __init__(self, conn, publish, clock=time.time):
        """publish(message) hands one message to the broker; clock() returns the time."""
        # Your code here.
        pass

    def relay_once(self):
        """Publish the pending messages (see the prompt). Returns how many were published."""
        # Your code here.
        pass
