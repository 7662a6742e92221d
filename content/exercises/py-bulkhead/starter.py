import threading
import time


class BulkheadFullError(Exception):
    def __init__(self, dependency):
        super().__init__(f"bulkhead full for {dependency!r}")
        self.dependency = dependency


class Bulkhead:
    def __init__(self, limits, max_wait=0.0):
        """limits: {dependency name: the most calls to it running at once}. max_wait: how many
        seconds a caller may wait for a slot before BulkheadFullError."""
        # Your code here.
        pass

    def call(self, dependency, fn, *args, **kwargs):
        """Run fn(*args, **kwargs) in the calling thread, in dependency's compartment."""
        # Your code here.
        pass

    def in_flight(self, dependency):
        """How many calls to dependency are running right now."""
        # Your code here.
        pass
