import time


class ServiceRegistry:
    def __init__(self, ttl, clock=time.monotonic, evict_after=None):
        self.ttl = ttl
        self.evict_after = evict_after
        self._clock = clock
        # service -> {address: time of the last heartbeat}; dicts keep insertion order, and
        # updating a key keeps its place.
        self._services = {}
        self._last_returned = {}  # service -> the address lookup returned last

    def _evict(self, service):
        """Remove the instances silent for evict_after seconds, as if they were deregistered."""
        entries = self._services.get(service)
        if self.evict_after is None or not entries:
            return
        now = self._clock()
        # Collect first, then delete: never change a dict (or list) while iterating over it.
        for address in [a for a, seen in entries.items() if now - seen >= self.evict_after]:
            del entries[address]

    def register(self, service, address):
        self._evict(service)  # an evicted instance registers anew, at the end of the order
        self._services.setdefault(service, {})[address] = self._clock()

    def heartbeat(self, service, address):
        self._evict(service)
        entries = self._services.get(service, {})
        if address not in entries:
            raise KeyError((service, address))
        entries[address] = self._clock()

    def deregister(self, service, address):
        self._services.get(service, {}).pop(address, None)

    def _is_live(self, seen):
        return self._clock() - seen < self.ttl

    def instances(self, service):
        self._evict(service)
        entries = self._services.get(service, {})
        return [address for address, seen in entries.items() if self._is_live(seen)]

    def lookup(self, service):
        self._evict(service)
        addresses = list(self._services.get(service, {}))
        last = self._last_returned.get(service)
        start = addresses.index(last) + 1 if last in addresses else 0
        entries = self._services.get(service, {})
        for step in range(len(addresses)):
            address = addresses[(start + step) % len(addresses)]
            if self._is_live(entries[address]):
                self._last_returned[service] = address
                return address
        raise LookupError(f"no live instance of {service!r}")
