# Mistake: treats an id that is still being processed as done and returns False at once, so when the first attempt fails the duplicate that was its retry is lost
import threading


class IdempotentConsumer:
    def __init__(self, handler, store=None):
        self.handler = handler
        self.store = set() if store is None else store
        self.in_flight = set()
        self.lock = threading.Lock()

    def handle(self, message):
        message_id = message.get("id")
        if message_id is None:
            raise ValueError("message has no id")
        with self.lock:
            if message_id in self.store or message_id in self.in_flight:
                return False
            self.in_flight.add(message_id)
        try:
            self.handler(message)
            with self.lock:
                self.store.add(message_id)
            return True
        finally:
            with self.lock:
                self.in_flight.discard(message_id)
