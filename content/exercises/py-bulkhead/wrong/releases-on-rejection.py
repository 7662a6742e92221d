# Mistake: releases the semaphore in a `finally` that also runs when the acquire timed out, so every refusal adds a slot and the compartment lets more than limit calls through
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
        self._slots = {name: threading.Semaphore(limit) for name, limit in limits.items()}
        self._running = {name: 0 for name in limits}
        self._count_lock = threading.Lock()
        self._max_wait = max_wait

    def call(self, dependency, fn, *args, **kwargs):
        slots = self._slots[dependency]
        try:
            if not slots.acquire(timeout=self._max_wait):
                raise BulkheadFullError(dependency)
            with self._count_lock:
                self._running[dependency] += 1
            try:
                return fn(*args, **kwargs)
            finally:
                with self._count_lock:
                    self._running[dependency] -= 1
        finally:
            slots.release()

    def in_flight(self, dependency):
        with self._count_lock:
            return self._running[dependency]
