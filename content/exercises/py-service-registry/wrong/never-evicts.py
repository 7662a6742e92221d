# Mistake: accepts evict_after but never evicts, so the registry fills with instances that will never come back and a long-dead instance's heartbeat is still accepted
import time


class ServiceRegistry:
    def __init__(self, ttl, clock=time.monotonic, evict_after=None):
        self.ttl = ttl
        self.evict_after = evict_after
        self.clock = clock
        self.services = {}
        self.last = {}

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
        last = self.last.get(service)
        start = addresses.index(last) + 1 if last in addresses else 0
        now = self.clock()
        for step in range(len(addresses)):
            address = addresses[(start + step) % len(addresses)]
            if now - entries[address] < self.ttl:
                self.last[service] = address
                return address
        raise LookupError(service)
