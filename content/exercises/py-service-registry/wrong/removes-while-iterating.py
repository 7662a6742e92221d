# Mistake: removes evicted entries from the list it is iterating over, so the entry right after an evicted one is skipped and survives eviction
import time


class ServiceRegistry:
    def __init__(self, ttl, clock=time.monotonic, evict_after=None):
        self.ttl = ttl
        self.evict_after = evict_after
        self.clock = clock
        self.entries = {}  # service -> [[address, last heartbeat], ...]
        self.last = {}

    def _evict(self, service):
        if self.evict_after is None:
            return
        now = self.clock()
        entries = self.entries.get(service, [])
        for entry in entries:
            if now - entry[1] >= self.evict_after:
                entries.remove(entry)

    def _find(self, service, address):
        for entry in self.entries.get(service, []):
            if entry[0] == address:
                return entry
        return None

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
        addresses = [address for address, _ in entries]
        last = self.last.get(service)
        start = addresses.index(last) + 1 if last in addresses else 0
        now = self.clock()
        for step in range(len(entries)):
            address, seen = entries[(start + step) % len(entries)]
            if now - seen < self.ttl:
                self.last[service] = address
                return address
        raise LookupError(service)
