# Alternative: a non-blocking semaphore of one is the half-open trial slot, and each open period is an object of its own
import threading
import time


class CircuitOpenError(Exception):
    pass


class _Period:
    """One closed period: outcomes of calls let through in it count only while it lasts."""

    def __init__(self):
        self.failures = 0


class CircuitBreaker:
    def __init__(self, failure_threshold, recovery_timeout, clock=time.monotonic):
        self.failure_threshold = failure_threshold
        self.recovery_timeout = recovery_timeout
        self._clock = clock
        self._lock = threading.RLock()
        self._trial = threading.Semaphore(1)
        self._period = _Period()  # None while open or half-open
        self._opened_at = None

    @property
    def state(self):
        with self._lock:
            if self._period is not None:
                return "closed"
            return "half_open" if self._clock() - self._opened_at >= self.recovery_timeout else "open"

    def _open(self):
        self._period = None
        self._opened_at = self._clock()

    def call(self, fn, *args, **kwargs):
        with self._lock:
            state = self.state
            if state == "open":
                raise CircuitOpenError("open")
            if state == "half_open" and not self._trial.acquire(blocking=False):
                raise CircuitOpenError("a trial is running")
            period = self._period
        if period is None:  # the trial
            try:
                result = fn(*args, **kwargs)
            except Exception:
                with self._lock:
                    self._open()
                raise
            finally:
                self._trial.release()
            with self._lock:
                self._period = _Period()
            return result
        try:
            result = fn(*args, **kwargs)
        except Exception:
            with self._lock:
                if self._period is period:
                    period.failures += 1
                    if period.failures >= self.failure_threshold:
                        self._open()
            raise
        with self._lock:
            if self._period is period:
                period.failures = 0
        return result
