# Mistake: deletes the id's lock as soon as its holder finishes, so after a failure a new delivery makes a fresh lock and runs the handler alongside the duplicate already retrying it
import threading


class IdempotentConsumer:
    def __init__(self, handler, store=None):
        self.handler = handler
        self.store = set() if store is None else store
        self.guard = threading.Lock()
        self.locks = {}  # message id -> Lock, removed when its holder is done (no count of waiters)

    def handle(self, message):
        message_id = message.get("id")
        if message_id is None:
            raise ValueError("message has no id")
        with self.guard:
            lock = self.locks.setdefault(message_id, threading.Lock())
        with lock:
            try:
                if message_id in self.store:
                    return False
                self.handler(message)
                self.store.add(message_id)
                return True
            finally:
                with self.guard:
                    self.locks.pop(message_id, None)
