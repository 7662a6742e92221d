import threading
import time


class CircuitOpenError(Exception):
    """Raised by CircuitBreaker.call when the circuit is open."""


class CircuitBreaker:
    def __init__(self, failure_threshold, recovery_timeout, clock=time.monotonic):
        # Your code here.
        pass

    @property
    def state(self):
        """'closed', 'open' or 'half_open'."""
        # Your code here.
        pass

    def call(self, fn, *args, **kwargs):
        """Call fn(*args, **kwargs) if the circuit allows it and return its result.
        Thread-safe: in half_open exactly one trial call runs at a time."""
        # Your code here.
        pass
