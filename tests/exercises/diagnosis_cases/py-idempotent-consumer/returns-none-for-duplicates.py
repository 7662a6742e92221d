# Diagnosis case: none (a duplicate returns None instead of False: not catalogued)
import threading


class IdempotentConsumer:
    def __init__(self, handler, store=None):
        self._handler = handler
        self._store = set() if store is None else store
        self._guard = threading.Lock()
        self._locks = {}

    def handle(self, message):
        message_id = message.get("id")
        if message_id is None:
            raise ValueError("message has no 'id'")
        entry = self._acquire_entry(message_id)
        try:
            with entry[0]:
                if message_id in self._store:
                    return None
                self._handler(message)
                self._store.add(message_id)
                return True
        finally:
            self._release_entry(message_id, entry)

    def _acquire_entry(self, message_id):
        with self._guard:
            entry = self._locks.setdefault(message_id, [threading.Lock(), 0])
            entry[1] += 1
            return entry

    def _release_entry(self, message_id, entry):
        with self._guard:
            entry[1] -= 1
            if entry[1] == 0:
                del self._locks[message_id]
