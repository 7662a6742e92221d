# Alternative: a BoundedSemaphore per dependency, acquired with the timeout and released only after a successful acquire, and a per-dependency counter for in_flight
import threading


class BulkheadFullError(Exception):
    def __init__(self, dependency):
        super().__init__(f"bulkhead full for {dependency!r}")
        self.dependency = dependency


class Bulkhead:
    def __init__(self, limits, max_wait=0.0):
        if max_wait < 0 or any(limit < 1 for limit in limits.values()):
            raise ValueError("limits must be >= 1 and max_wait >= 0")
        self.max_wait = max_wait
        self.slots = {d: threading.BoundedSemaphore(n) for d, n in limits.items()}
        self.counts = {d: 0 for d in limits}
        self.locks = {d: threading.Lock() for d in limits}

    def _add(self, dependency, delta):
        with self.locks[dependency]:
            self.counts[dependency] += delta

    def call(self, dependency, fn, *args, **kwargs):
        if dependency not in self.slots:
            raise KeyError(dependency)
        slots = self.slots[dependency]
        if not slots.acquire(timeout=self.max_wait):
            raise BulkheadFullError(dependency)
        try:
            self._add(dependency, 1)
            try:
                return fn(*args, **kwargs)
            finally:
                self._add(dependency, -1)
        finally:
            slots.release()

    def in_flight(self, dependency):
        with self.locks[dependency]:
            return self.counts[dependency]
