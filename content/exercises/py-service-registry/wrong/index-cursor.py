# Mistake: remembers the position of the last instance returned instead of the instance itself, so deregistering an earlier instance shifts the list and the rotation skips one
import time


class ServiceRegistry:
    def __init__(self, ttl, clock=time.monotonic, evict_after=None):
        self.ttl = ttl
        self.evict_after = evict_after
        self.clock = clock
        self.entries = {}  # service -> [[address, last heartbeat], ...]
        self.positions = {}

    def _find(self, service, address):
        for entry in self.entries.get(service, []):
            if entry[0] == address:
                return entry
        return None

    def _evict(self, service):
        if self.evict_after is not None and service in self.entries:
            now = self.clock()
            self.entries[service] = [e for e in self.entries[service] if now - e[1] < self.evict_after]

    def register(self, service, address):
        self._evict(service)
        entry = self._find(service, address)
        if entry:
            entry[1] = self.clock()
        else:
            self.entries.setdefault(service, []).append([address, self.clock()])

    def heartbeat(self, service, address):
        self._evict(service)
        entry = self._find(service, address)
        if entry is None:
            raise KeyError(address)
        entry[1] = self.clock()

    def deregister(self, service, address):
        entry = self._find(service, address)
        if entry:
            self.entries[service].remove(entry)

    def instances(self, service):
        self._evict(service)
        now = self.clock()
        return [a for a, seen in self.entries.get(service, []) if now - seen < self.ttl]

    def lookup(self, service):
        self._evict(service)
        entries = self.entries.get(service, [])
        now = self.clock()
        start = self.positions.get(service, -1) + 1
        for step in range(len(entries)):
            index = (start + step) % len(entries)
            address, seen = entries[index]
            if now - seen < self.ttl:
                self.positions[service] = index
                return address
        raise LookupError(service)
