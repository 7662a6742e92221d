# Mistake: round-robins with a counter modulo the current list of live instances, so when an instance expires the rotation jumps, repeating some instances and skipping others
import time


class ServiceRegistry:
    def __init__(self, ttl, clock=time.monotonic):
        self.ttl = ttl
        self.clock = clock
        self.services = {}
        self.counters = {}

    def register(self, service, address):
        self.services.setdefault(service, {})[address] = self.clock()

    def heartbeat(self, service, address):
        if address not in self.services.get(service, {}):
            raise KeyError(address)
        self.services[service][address] = self.clock()

    def deregister(self, service, address):
        self.services.get(service, {}).pop(address, None)

    def instances(self, service):
        now = self.clock()
        return [a for a, seen in self.services.get(service, {}).items() if now - seen < self.ttl]

    def lookup(self, service):
        live = self.instances(service)
        if not live:
            raise LookupError(service)
        count = self.counters.get(service, 0)
        self.counters[service] = count + 1
        return live[count % len(live)]
