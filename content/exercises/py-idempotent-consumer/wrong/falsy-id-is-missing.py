# Mistake: tests the id for truth (`if not message.get("id")`), so a message with the valid id 0 is rejected as having no id
import threading


class IdempotentConsumer:
    def __init__(self, handler, store=None):
        self.handler = handler
        self.store = set() if store is None else store
        self.lock = threading.Lock()

    def handle(self, message):
        if not message.get("id"):
            raise ValueError("message has no id")
        message_id = message["id"]
        with self.lock:
            if message_id in self.store:
                return False
            self.handler(message)
            self.store.add(message_id)
            return True
