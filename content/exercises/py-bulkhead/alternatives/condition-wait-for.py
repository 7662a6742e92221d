# Alternative: one Condition per compartment with wait_for(predicate, timeout), which keeps the overall deadline itself, behind a context manager
import threading
from contextlib import contextmanager


class BulkheadFullError(Exception):
    def __init__(self, dependency):
        super().__init__(f"bulkhead full for {dependency!r}")
        self.dependency = dependency


class Compartment:
    def __init__(self, name, limit):
        if limit < 1:
            raise ValueError(f"limit for {name!r} must be >= 1")
        self.name, self.limit, self.busy = name, limit, 0
        self.changed = threading.Condition(threading.Lock())

    @contextmanager
    def slot(self, max_wait):
        with self.changed:
            if not self.changed.wait_for(lambda: self.busy < self.limit, timeout=max_wait):
                raise BulkheadFullError(self.name)
            self.busy += 1
        try:
            yield
        finally:
            with self.changed:
                self.busy -= 1
                self.changed.notify_all()


class Bulkhead:
    def __init__(self, limits, max_wait=0.0):
        if max_wait < 0:
            raise ValueError("max_wait must be >= 0")
        self._max_wait = max_wait
        self._compartments = {name: Compartment(name, limit) for name, limit in limits.items()}

    def call(self, dependency, fn, *args, **kwargs):
        with self._compartments[dependency].slot(self._max_wait):
            return fn(*args, **kwargs)

    def in_flight(self, dependency):
        compartment = self._compartments[dependency]
        with compartment.changed:
            return compartment.busy
