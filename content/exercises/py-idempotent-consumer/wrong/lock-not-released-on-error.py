# Mistake: acquires the id's lock and releases it only on the success path, so after a handler failure every redelivery of that id blocks forever
import collections
import threading


class IdempotentConsumer:
    def __init__(self, handler, store=None):
        self.handler = handler
        self.store = set() if store is None else store
        self.guard = threading.Lock()
        self.locks = collections.defaultdict(threading.Lock)

    def handle(self, message):
        message_id = message.get("id")
        if message_id is None:
            raise ValueError("message has no id")
        with self.guard:
            lock = self.locks[message_id]
        lock.acquire()
        if message_id in self.store:
            lock.release()
            return False
        self.handler(message)
        self.store.add(message_id)
        lock.release()
        return True
