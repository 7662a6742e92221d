# Mistake: `store or set()` replaces an empty store passed in with a private set, so the caller's record stays empty and a new consumer handles everything again
import threading


class IdempotentConsumer:
    def __init__(self, handler, store=None):
        self.handler = handler
        self.store = store or set()
        self.lock = threading.Lock()

    def handle(self, message):
        message_id = message.get("id")
        if message_id is None:
            raise ValueError("message has no id")
        with self.lock:
            if message_id in self.store:
                return False
            self.handler(message)
            self.store.add(message_id)
            return True
