# Mistake: round-robins with a counter modulo the current list of live instances, so when an instance expires the rotation jumps, repeating some instances and skipping others
import time


class ServiceRegistry:
    def __init__(self, ttl, clock=time.monotonic, evict_after=None):
        self.ttl = ttl
        self.evict_after = evict_after
        self.clock = clock
        self.services = {}
        self.counters = {}

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
        self._evict(service)
        live = self.instances(service)
        if not live:
            raise LookupError(service)
        count = self.counters.get(service, 0)
        self.counters[service] = count + 1
        return live[count % len(live)]
