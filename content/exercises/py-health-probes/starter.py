import threading
import time


class HealthProbes:
    def __init__(self, timeout, stall_after, clock=time.monotonic):
        """timeout: seconds readiness waits for its checks. stall_after: seconds without a
        heartbeat after which the process counts as stuck. clock(): time for liveness."""
        # Your code here.
        pass

    def add_check(self, name, check, critical=True):
        """Register a dependency check: check() returns when the dependency is fine, raises when not."""
        # Your code here.
        pass

    def heartbeat(self):
        """Called by the service's main loop on every iteration."""
        # Your code here.
        pass

    def start_draining(self):
        """Called on SIGTERM: stop receiving traffic before shutting down."""
        # Your code here.
        pass

    def liveness(self):
        """GET /livez -> (status code, body dict)."""
        # Your code here.
        pass

    def readiness(self):
        """GET /readyz -> (status code, body dict)."""
        # Your code here.
        pass
