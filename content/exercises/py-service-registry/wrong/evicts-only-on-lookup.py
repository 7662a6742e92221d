# Mistake: sweeps out silent instances only when lookup() or instances() runs, so a heartbeat arriving first revives an instance that should have been evicted
import time


class ServiceRegistry:
    def __init__(self, ttl, clock=time.monotonic, evict_after=None):
        self.ttl = ttl
        self.evict_after = evict_after
        self.clock = clock
        self.services = {}
        self.last = {}

    def _sweep(self, service):
        entries = self.services.get(service, {})
        if self.evict_after is not None:
            now = self.clock()
            for address in [a for a, seen in entries.items() if now - seen >= self.evict_after]:
                del entries[address]

    def register(self, service, address):
        self.services.setdefault(service, {})[address] = self.clock()

    def heartbeat(self, service, address):
        if address not in self.services.get(service, {}):
            raise KeyError(address)
        self.services[service][address] = self.clock()

    def deregister(self, service, address):
        self.services.get(service, {}).pop(address, None)

    def instances(self, service):
        self._sweep(service)
        now = self.clock()
        return [a for a, seen in self.services.get(service, {}).items() if now - seen < self.ttl]

    def lookup(self, service):
        self._sweep(service)
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
