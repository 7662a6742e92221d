# A visible example: three failures in a row open the circuit, which then fails fast.
from harness import load, test


class FakeClock:
    def __init__(self, now=1000.0):
        self.now = now

    def __call__(self):
        return self.now


@test("opens after three consecutive failures and then rejects calls without calling the service")
def _():
    mod = load()
    clock = FakeClock()
    breaker = mod.CircuitBreaker(3, 30.0, clock=clock)
    calls = []

    def inventory():
        calls.append("inventory")
        raise ConnectionError("inventory unreachable")

    for _ in range(3):
        try:
            breaker.call(inventory)
        except ConnectionError:
            pass
    assert breaker.state == "open", f"after 3 consecutive failures the state should be 'open', got {breaker.state!r}"
    try:
        breaker.call(inventory)
    except mod.CircuitOpenError:
        pass
    else:
        raise AssertionError("a call on an open circuit should raise CircuitOpenError")
    assert len(calls) == 3, f"the service should not be called while the circuit is open, it was called {len(calls)} times in all"
