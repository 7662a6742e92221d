# Mistake: checks the store, runs the handler, then records the id with no lock, so two threads delivering the same message both pass the check and both run the handler
class IdempotentConsumer:
    def __init__(self, handler, store=None):
        self.handler = handler
        self.store = set() if store is None else store

    def handle(self, message):
        message_id = message.get("id")
        if message_id is None:
            raise ValueError("message has no id")
        if message_id in self.store:
            return False
        self.handler(message)
        self.store.add(message_id)
        return True
