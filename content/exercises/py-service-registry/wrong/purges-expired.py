# Mistake: deletes instances as soon as they expire instead of evicting them after evict_after, so an instance that was only slow to heartbeat is forgotten and its next heartbeat fails
import time


class ServiceRegistry:
    def __init__(self, ttl, clock=time.monotonic, evict_after=None):
        self.ttl = ttl
        self.evict_after = evict_after  # never used: expiry itself deletes
        self.clock = clock
        self.services = {}
        self.last = {}

    def _purge(self, service):
        now = self.clock()
        entries = self.services.get(service, {})
        for address in [a for a, seen in entries.items() if now - seen >= self.ttl]:
            del entries[address]

    def register(self, service, address):
        self.services.setdefault(service, {})[address] = self.clock()

    def heartbeat(self, service, address):
        self._purge(service)
        if address not in self.services.get(service, {}):
            raise KeyError(address)
        self.services[service][address] = self.clock()

    def deregister(self, service, address):
        self.services.get(service, {}).pop(address, None)

    def instances(self, service):
        self._purge(service)
        return list(self.services.get(service, {}))

    def lookup(self, service):
        self._purge(service)
        addresses = list(self.services.get(service, {}))
        if not addresses:
            raise LookupError(service)
        last = self.last.get(service)
        index = addresses.index(last) + 1 if last in addresses else 0
        address = addresses[index % len(addresses)]
        self.last[service] = address
        return address
