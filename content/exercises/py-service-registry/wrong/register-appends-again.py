# Mistake: register always appends, so an instance that registers again (a restart, a retry) is listed twice and gets twice its share of the traffic
import time


class ServiceRegistry:
    def __init__(self, ttl, clock=time.monotonic, evict_after=None):
        self.ttl = ttl
        self.evict_after = evict_after
        self.clock = clock
        self.entries = {}  # service -> [[address, last heartbeat], ...]
        self.last = {}

    def _evict(self, service):
        if self.evict_after is not None and service in self.entries:
            now = self.clock()
            self.entries[service] = [e for e in self.entries[service] if now - e[1] < self.evict_after]

    def register(self, service, address):
        self._evict(service)
        self.entries.setdefault(service, []).append([address, self.clock()])

    def heartbeat(self, service, address):
        self._evict(service)
        found = [e for e in self.entries.get(service, []) if e[0] == address]
        if not found:
            raise KeyError(address)
        for entry in found:
            entry[1] = self.clock()

    def deregister(self, service, address):
        self.entries[service] = [e for e in self.entries.get(service, []) if e[0] != address]

    def instances(self, service):
        self._evict(service)
        now = self.clock()
        return [a for a, seen in self.entries.get(service, []) if now - seen < self.ttl]

    def lookup(self, service):
        self._evict(service)
        entries = self.entries.get(service, [])
        addresses = [e[0] for e in entries]
        last = self.last.get(service)
        start = addresses.index(last) + 1 if last in addresses else 0
        now = self.clock()
        for step in range(len(entries)):
            address, seen = entries[(start + step) % len(entries)]
            if now - seen < self.ttl:
                self.last[service] = address
                return address
        raise LookupError(service)
