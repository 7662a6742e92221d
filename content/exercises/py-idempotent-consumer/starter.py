import threading


class IdempotentConsumer:
    def __init__(self, handler, store=None):
        """handler(message) processes a message; store is a set of the ids already handled."""
        # Your code here.
        pass

    def handle(self, message):
        """Run the handler once per message id. True when the handler ran, False for a duplicate."""
        # Your code here.
        pass
