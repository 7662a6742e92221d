# Mistake: one "last returned" instance for the whole registry instead of one per service, so lookups for one service reset the rotation of the others
import time


class ServiceRegistry:
    def __init__(self, ttl, clock=time.monotonic):
        self.ttl = ttl
        self.clock = clock
        self.services = {}
        self.last = None

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
        entries = self.services.get(service, {})
        addresses = list(entries)
        start = addresses.index(self.last) + 1 if self.last in addresses else 0
        now = self.clock()
        for step in range(len(addresses)):
            address = addresses[(start + step) % len(addresses)]
            if now - entries[address] < self.ttl:
                self.last = address
                return address
        raise LookupError(service)
