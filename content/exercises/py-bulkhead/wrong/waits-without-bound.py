# Mistake: waits for a slot however long it takes (max_wait ignored), so callers still pile up behind the slow dependency, only in a queue instead of the pool
import threading
import time


class BulkheadFullError(Exception):
    def __init__(self, dependency):
        super().__init__(f"bulkhead full for {dependency!r}")
        self.dependency = dependency


class _Compartment:
    def __init__(self, limit):
        self.limit = limit
        self.running = 0
        self.slot_freed = threading.Condition()  # one lock per dependency, never a shared one


class Bulkhead:
    def __init__(self, limits, max_wait=0.0):
        for dependency, limit in limits.items():
            if limit < 1:
                raise ValueError(f"the limit for {dependency!r} must be at least 1, got {limit!r}")
        if max_wait < 0:
            raise ValueError(f"max_wait must be 0 or more, got {max_wait!r}")
        self._compartments = {name: _Compartment(limit) for name, limit in limits.items()}
        self._max_wait = max_wait

    def call(self, dependency, fn, *args, **kwargs):
        compartment = self._compartments[dependency]  # KeyError: no compartment, no call
        deadline = time.monotonic() + self._max_wait
        with compartment.slot_freed:
            while compartment.running >= compartment.limit:
                compartment.slot_freed.wait()
            compartment.running += 1
        try:
            return fn(*args, **kwargs)  # outside the lock: other callers are not held up
        finally:
            with compartment.slot_freed:
                compartment.running -= 1
                compartment.slot_freed.notify()

    def in_flight(self, dependency):
        compartment = self._compartments[dependency]
        with compartment.slot_freed:
            return compartment.running
