# Hidden tests for py-service-registry. Time comes from a fake clock; nothing sleeps.
from harness import load, test

TTL = 10.0


class FakeClock:
    def __init__(self, now=100.0):
        self.now = now

    def __call__(self):
        return self.now


def make(mod):
    clock = FakeClock(100.0)
    return mod.ServiceRegistry(TTL, clock=clock), clock


def register_all(registry, service, addresses):
    for address in addresses:
        registry.register(service, address)


def live(registry, service, expected, situation):
    value = registry.instances(service)
    try:
        actual = list(value)
    except TypeError:
        raise AssertionError(f"instances({service!r}) should return a list of addresses, got {value!r}") from None
    assert actual == expected, f"{situation}: instances({service!r}) should be {expected}, got {actual}"


def lookups(registry, service, expected, situation):
    actual = []
    for _ in expected:
        try:
            actual.append(registry.lookup(service))
        except LookupError:
            actual.append("LookupError")
    assert actual == expected, f"{situation}: {len(expected)} lookups should return {expected}, got {actual}"


def expect_raises(exc_type, fn, situation):
    try:
        value = fn()
    except exc_type:
        return
    except Exception as exc:  # noqa: BLE001
        raise AssertionError(f"{situation}: expected {exc_type.__name__}, got {type(exc).__name__}: {exc}") from None
    raise AssertionError(f"{situation}: expected {exc_type.__name__}, but it returned {value!r}")


@test("instances lists the live addresses in registration order")
def _():
    mod = load()
    registry, clock = make(mod)
    register_all(registry, "inventory", ["c:80", "a:80", "b:80"])
    live(registry, "inventory", ["c:80", "a:80", "b:80"], "right after registering c, a, b")


@test("registering an instance again refreshes it without duplicating or moving it")
def _():
    mod = load()
    registry, clock = make(mod)
    register_all(registry, "inventory", ["a:80", "b:80"])
    clock.now = 108.0
    registry.register("inventory", "a:80")
    live(registry, "inventory", ["a:80", "b:80"], "after registering a again at 108")
    clock.now = 112.0
    live(registry, "inventory", ["a:80"], "at 112, 4 s after a re-registered and 12 s after b registered (ttl 10)")


@test("an instance expires once ttl has passed since its last heartbeat")
def _():
    mod = load()
    registry, clock = make(mod)
    registry.register("inventory", "a:80")
    clock.now = 109.5
    live(registry, "inventory", ["a:80"], "9.5 s after registering (ttl 10)")
    clock.now = 110.0
    live(registry, "inventory", [], "exactly 10 s after registering (ttl 10: live only while less than ttl has passed)")


@test("a heartbeat keeps an instance alive past its original ttl")
def _():
    mod = load()
    registry, clock = make(mod)
    register_all(registry, "inventory", ["a:80", "b:80"])
    clock.now = 108.0
    registry.heartbeat("inventory", "b:80")
    clock.now = 117.5
    live(registry, "inventory", ["b:80"], "9.5 s after b's heartbeat at 108, 17.5 s after both registered")
    clock.now = 118.0
    live(registry, "inventory", [], "10 s after b's last heartbeat")


@test("heartbeat for an instance that is not registered raises KeyError")
def _():
    mod = load()
    registry, clock = make(mod)
    registry.register("inventory", "a:80")
    expect_raises(KeyError, lambda: registry.heartbeat("payments", "a:80"), "heartbeat for an unknown service")
    expect_raises(KeyError, lambda: registry.heartbeat("inventory", "z:80"), "heartbeat for an unknown address of a known service")
    registry.deregister("inventory", "a:80")
    expect_raises(KeyError, lambda: registry.heartbeat("inventory", "a:80"), "heartbeat for a deregistered instance")
    live(registry, "inventory", [], "after refused heartbeats (they must not register anything)")


@test("an expired instance stays registered and a heartbeat revives it in its place")
def _():
    mod = load()
    registry, clock = make(mod)
    register_all(registry, "inventory", ["a:80", "b:80", "c:80"])
    clock.now = 105.0
    registry.heartbeat("inventory", "b:80")
    registry.heartbeat("inventory", "c:80")
    clock.now = 112.0
    live(registry, "inventory", ["b:80", "c:80"], "at 112, with a silent since 100")
    clock.now = 130.0
    try:
        registry.heartbeat("inventory", "a:80")
    except KeyError:
        raise AssertionError(
            "heartbeat for the expired instance a raised KeyError: an expired instance should stay "
            "registered until it is deregistered"
        ) from None
    live(registry, "inventory", ["a:80"], "at 130, just after a's heartbeat (b and c silent since 105)")
    registry.heartbeat("inventory", "c:80")
    registry.heartbeat("inventory", "b:80")
    live(registry, "inventory", ["a:80", "b:80", "c:80"], "after every instance sent a heartbeat again (registration order)")


@test("lookup cycles through the live instances in registration order, wrapping around")
def _():
    mod = load()
    registry, clock = make(mod)
    register_all(registry, "inventory", ["a:80", "b:80", "c:80"])
    lookups(registry, "inventory", ["a:80", "b:80", "c:80", "a:80", "b:80", "c:80", "a:80"],
            "with a, b, c registered")


@test("lookup skips expired instances")
def _():
    mod = load()
    registry, clock = make(mod)
    register_all(registry, "inventory", ["a:80", "b:80", "c:80"])
    clock.now = 105.0
    registry.heartbeat("inventory", "a:80")
    registry.heartbeat("inventory", "c:80")
    clock.now = 111.0
    lookups(registry, "inventory", ["a:80", "c:80", "a:80", "c:80"], "with b expired")


@test("when the last returned instance expires, lookup continues with the next live one after it")
def _():
    mod = load()
    registry, clock = make(mod)
    register_all(registry, "inventory", ["a:80", "b:80", "c:80"])
    lookups(registry, "inventory", ["a:80", "b:80"], "with a, b, c registered")
    clock.now = 105.0
    registry.heartbeat("inventory", "a:80")
    registry.heartbeat("inventory", "c:80")
    clock.now = 111.0
    lookups(registry, "inventory", ["c:80", "a:80", "c:80"],
            "after returning a then b, with b now expired (the next after b is c)")
    registry.heartbeat("inventory", "b:80")
    lookups(registry, "inventory", ["a:80", "b:80", "c:80"],
            "after returning c, once b sent a heartbeat again")


@test("deregistering another instance does not disturb the rotation")
def _():
    mod = load()
    registry, clock = make(mod)
    register_all(registry, "inventory", ["a:80", "b:80", "c:80", "d:80"])
    lookups(registry, "inventory", ["a:80", "b:80"], "with a, b, c, d registered")
    registry.deregister("inventory", "a:80")
    lookups(registry, "inventory", ["c:80", "d:80", "b:80", "c:80"],
            "after returning a then b, once a was deregistered (the next after b is c)")


@test("lookup raises LookupError when the service has no live instance")
def _():
    mod = load()
    registry, clock = make(mod)
    expect_raises(LookupError, lambda: registry.lookup("inventory"), "lookup for a service never registered")
    live(registry, "inventory", [], "for a service never registered")
    register_all(registry, "inventory", ["a:80", "b:80"])
    clock.now = 110.0
    expect_raises(LookupError, lambda: registry.lookup("inventory"), "lookup when every instance has expired")
    registry.heartbeat("inventory", "b:80")
    lookups(registry, "inventory", ["b:80", "b:80"], "once b sent a heartbeat again")
    registry.deregister("inventory", "a:80")
    registry.deregister("inventory", "b:80")
    expect_raises(LookupError, lambda: registry.lookup("inventory"), "lookup after every instance was deregistered")


@test("deregister removes the instance, and deregistering an unknown one does nothing")
def _():
    mod = load()
    registry, clock = make(mod)
    register_all(registry, "inventory", ["a:80", "b:80", "c:80"])
    registry.deregister("inventory", "b:80")
    live(registry, "inventory", ["a:80", "c:80"], "after deregistering b")
    for service, address in (("inventory", "b:80"), ("inventory", "z:80"), ("payments", "a:80")):
        try:
            registry.deregister(service, address)
        except Exception as exc:  # noqa: BLE001
            raise AssertionError(
                f"deregister({service!r}, {address!r}) for an instance that is not registered should do "
                f"nothing, but raised {type(exc).__name__}: {exc}"
            ) from None
    live(registry, "inventory", ["a:80", "c:80"], "after deregistering instances that were not registered")
    lookups(registry, "inventory", ["a:80", "c:80", "a:80"], "with b deregistered")


@test("each service has its own instances and its own rotation")
def _():
    mod = load()
    registry, clock = make(mod)
    register_all(registry, "inventory", ["a:80", "b:80"])
    register_all(registry, "payments", ["x:90", "y:90", "a:80"])
    live(registry, "payments", ["x:90", "y:90", "a:80"], "with a:80 registered under both services")
    picks = [registry.lookup(service) for service in ("inventory", "payments", "inventory", "payments", "inventory")]
    expected = ["a:80", "x:90", "b:80", "y:90", "a:80"]
    assert picks == expected, (
        f"lookups alternating inventory, payments, inventory, payments, inventory should return {expected}, got {picks}"
    )
    registry.deregister("payments", "a:80")
    live(registry, "inventory", ["a:80", "b:80"], "after deregistering a:80 from payments only")


EVICT = 30.0


def make_evicting(mod):
    clock = FakeClock(100.0)
    return mod.ServiceRegistry(TTL, clock=clock, evict_after=EVICT), clock


def heartbeat_ok(registry, service, address, situation):
    try:
        registry.heartbeat(service, address)
    except KeyError:
        raise AssertionError(f"{situation}: heartbeat({service!r}, {address!r}) raised KeyError, but the instance should still be registered") from None


@test("lookup skips runs of expired instances at the start, in the middle and at the end of the order")
def _():
    mod = load()
    registry, clock = make(mod)
    register_all(registry, "inventory", ["a:80", "b:80", "c:80", "d:80", "e:80", "f:80"])
    clock.now = 105.0
    registry.heartbeat("inventory", "b:80")
    registry.heartbeat("inventory", "e:80")
    clock.now = 111.0
    lookups(registry, "inventory", ["b:80", "e:80", "b:80", "e:80", "b:80"],
            "with a, c, d and f expired (only b and e live)")


@test("an instance is evicted once evict_after seconds have passed since its last heartbeat")
def _():
    mod = load()
    registry, clock = make_evicting(mod)
    register_all(registry, "inventory", ["a:80", "b:80", "c:80"])
    clock.now = 129.5
    heartbeat_ok(registry, "inventory", "a:80", "29.5 s after registering (ttl 10, evict_after 30): expired but not evicted yet")
    clock.now = 130.0
    expect_raises(KeyError, lambda: registry.heartbeat("inventory", "b:80"),
                  "heartbeat exactly 30 s after b's last heartbeat (evict_after 30), before any lookup")
    live(registry, "inventory", ["a:80"], "at 130, with b evicted and c silent since 100")
    expect_raises(KeyError, lambda: registry.heartbeat("inventory", "c:80"),
                  "heartbeat for c, silent since 100, after instances() was read at 130")
    live(registry, "inventory", ["a:80"], "after refused heartbeats for evicted instances (they must not register anything)")
    lookups(registry, "inventory", ["a:80", "a:80"], "with only a left")


@test("eviction removes every silent instance, first, middle and last, neighbours included")
def _():
    mod = load()
    registry, clock = make_evicting(mod)
    register_all(registry, "inventory", ["a:80", "b:80", "c:80", "d:80", "e:80"])
    clock.now = 120.0
    registry.heartbeat("inventory", "c:80")
    clock.now = 135.0
    for address in ("b:80", "e:80", "a:80", "d:80"):
        expect_raises(KeyError, lambda address=address: registry.heartbeat("inventory", address),
                      f"heartbeat for {address} at 135, silent for 35 s (evict_after 30), with its neighbours evicted too")
    live(registry, "inventory", [], "at 135: c expired (silent 15 s), the others evicted (silent 35 s)")
    heartbeat_ok(registry, "inventory", "c:80", "c at 135, silent for 15 s (evict_after 30)")
    live(registry, "inventory", ["c:80"], "after c's heartbeat at 135, with a, b, d and e evicted")
    lookups(registry, "inventory", ["c:80", "c:80"], "with a, b, d and e evicted")


@test("an evicted instance that registers again joins at the end of the rotation")
def _():
    mod = load()
    registry, clock = make_evicting(mod)
    register_all(registry, "inventory", ["a:80", "b:80", "c:80"])
    lookups(registry, "inventory", ["a:80"], "with a, b, c registered")
    for now in (110.0, 120.0, 130.0):
        clock.now = now
        registry.heartbeat("inventory", "a:80")
        registry.heartbeat("inventory", "c:80")
    clock.now = 131.0
    registry.register("inventory", "b:80")
    live(registry, "inventory", ["a:80", "c:80", "b:80"],
         "after b, evicted (silent since 100), registered again at 131")
    lookups(registry, "inventory", ["c:80", "b:80", "a:80", "c:80"],
            "after returning a, with b registered again at the end")


@test("without evict_after, a long-silent instance is never evicted")
def _():
    mod = load()
    registry, clock = make(mod)
    register_all(registry, "inventory", ["a:80", "b:80", "c:80"])
    clock.now = 100000.0
    live(registry, "inventory", [], "after a very long silence")
    for address in ("c:80", "a:80"):
        heartbeat_ok(registry, "inventory", address, "after a very long silence, without evict_after")
    live(registry, "inventory", ["a:80", "c:80"], "after a and c sent a heartbeat again (registration order)")
