# Mistake: one shared pool sized to the sum of the limits, so a slow dependency takes every slot and calls to the healthy ones are refused: the exhaustion the bulkhead was meant to stop
import threading
import time


class BulkheadFullError(Exception):
    def __init__(self, dependency):
        super().__init__(f"bulkhead full for {dependency!r}")
        self.dependency = dependency


class Bulkhead:
    def __init__(self, limits, max_wait=0.0):
        for dependency, limit in limits.items():
            if limit < 1:
                raise ValueError(f"the limit for {dependency!r} must be at least 1, got {limit!r}")
        if max_wait < 0:
            raise ValueError(f"max_wait must be 0 or more, got {max_wait!r}")
        self._limits = dict(limits)
        self._capacity = sum(limits.values())
        self._running = {name: 0 for name in limits}
        self._slot_freed = threading.Condition()
        self._max_wait = max_wait

    def call(self, dependency, fn, *args, **kwargs):
        if dependency not in self._limits:
            raise KeyError(dependency)
        deadline = time.monotonic() + self._max_wait
        with self._slot_freed:
            while sum(self._running.values()) >= self._capacity:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise BulkheadFullError(dependency)
                self._slot_freed.wait(remaining)
            self._running[dependency] += 1
        try:
            return fn(*args, **kwargs)
        finally:
            with self._slot_freed:
                self._running[dependency] -= 1
                self._slot_freed.notify()

    def in_flight(self, dependency):
        with self._slot_freed:
            return self._running[dependency]
