import time


class ServiceRegistry:
    def __init__(self, ttl, clock=time.monotonic, evict_after=None):
        # Your code here.
        pass

    def register(self, service, address):
        # Your code here.
        pass

    def heartbeat(self, service, address):
        # Your code here.
        pass

    def deregister(self, service, address):
        # Your code here.
        pass

    def instances(self, service):
        """The live addresses of `service`, in registration order."""
        # Your code here.
        pass

    def lookup(self, service):
        """The next live address of `service`, round-robin; LookupError when there is none."""
        # Your code here.
        pass
