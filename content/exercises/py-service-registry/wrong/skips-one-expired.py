# Mistake: when the next instance has expired it takes the one after it without checking that one too, so two expired instances in a row send traffic to a dead one
import time


class ServiceRegistry:
    def __init__(self, ttl, clock=time.monotonic, evict_after=None):
        self.ttl = ttl
        self.evict_after = evict_after
        self.clock = clock
        self.services = {}
        self.last = {}

    def _evict(self, service):
        entries = self.services.get(service, {})
        if self.evict_after is not None:
            now = self.clock()
            for address in [a for a, seen in entries.items() if now - seen >= self.evict_after]:
                del entries[address]

    def register(self, service, address):
        self._evict(service)
        self.services.setdefault(service, {})[address] = self.clock()

    def heartbeat(self, service, address):
        self._evict(service)
        if address not in self.services.get(service, {}):
            raise KeyError(address)
        self.services[service][address] = self.clock()

    def deregister(self, service, address):
        self.services.get(service, {}).pop(address, None)

    def instances(self, service):
        self._evict(service)
        now = self.clock()
        return [a for a, seen in self.services.get(service, {}).items() if now - seen < self.ttl]

    def lookup(self, service):
        if not self.instances(service):
            raise LookupError(service)
        entries = self.services[service]
        addresses = list(entries)
        last = self.last.get(service)
        index = addresses.index(last) + 1 if last in addresses else 0
        address = addresses[index % len(addresses)]
        if self.clock() - entries[address] >= self.ttl:  # down: try the next one instead
            address = addresses[(index + 1) % len(addresses)]
        self.last[service] = address
        return address
