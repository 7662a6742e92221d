# A visible example: lookups rotate over the registered instances.
from harness import load, test


class FakeClock:
    def __init__(self, now=100.0):
        self.now = now

    def __call__(self):
        return self.now


@test("lookup cycles through the registered instances in registration order")
def _():
    mod = load()
    registry = mod.ServiceRegistry(ttl=10, clock=FakeClock())
    for address in ("10.0.0.1:8080", "10.0.0.2:8080", "10.0.0.3:8080"):
        registry.register("inventory", address)
    picks = [registry.lookup("inventory") for _ in range(4)]
    expected = ["10.0.0.1:8080", "10.0.0.2:8080", "10.0.0.3:8080", "10.0.0.1:8080"]
    assert picks == expected, f"four lookups should return {expected}, got {picks}"
