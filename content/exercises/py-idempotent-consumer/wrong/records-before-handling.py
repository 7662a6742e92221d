# Mistake: records the id before calling the handler, so a message whose handler fails is marked as done and its redelivery is dropped (at-most-once)
import threading


class IdempotentConsumer:
    def __init__(self, handler, store=None):
        self.handler = handler
        self.store = set() if store is None else store
        self.lock = threading.Lock()

    def handle(self, message):
        message_id = message.get("id")
        if message_id is None:
            raise ValueError("message has no id")
        with self.lock:
            if message_id in self.store:
                return False
            self.store.add(message_id)
            self.handler(message)
            return True
