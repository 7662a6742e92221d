# Mistake: a mutable default argument (store=set()) is created once, so every consumer built without a store shares the same record
import threading


class IdempotentConsumer:
    def __init__(self, handler, store=set()):
        self.handler = handler
        self.store = store
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
