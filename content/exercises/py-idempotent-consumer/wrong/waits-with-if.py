# Mistake: waits on the id's Condition with `if` instead of `while`, so when a failed delivery wakes several waiting duplicates they all retry the handler at once
import threading


class IdempotentConsumer:
    def __init__(self, handler, store=None):
        self.handler = handler
        self.store = set() if store is None else store
        self.lock = threading.Lock()
        self.in_flight = {}  # message id -> Condition its duplicates wait on

    def handle(self, message):
        message_id = message.get("id")
        if message_id is None:
            raise ValueError("message has no id")
        with self.lock:
            busy = self.in_flight.get(message_id)
            if busy is not None:
                busy.wait()
            if message_id in self.store:
                return False
            done = threading.Condition(self.lock)
            self.in_flight[message_id] = done
        try:
            self.handler(message)
        except BaseException:
            with self.lock:
                self.in_flight.pop(message_id, None)
                done.notify_all()
            raise
        with self.lock:
            self.store.add(message_id)
            self.in_flight.pop(message_id, None)
            done.notify_all()
        return True
