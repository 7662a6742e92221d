# A visible example: a healthy service is alive and ready.
from harness import load, test


@test("a healthy service is alive and ready")
def _():
    mod = load()
    probes = mod.HealthProbes(timeout=1.0, stall_after=8.0, clock=lambda: 100.0)
    probes.add_check("database", lambda: "pong")
    assert probes.liveness() == (200, {"status": "alive"}), f"liveness should be (200, alive), got {probes.liveness()}"
    expected = (200, {"status": "ready", "checks": {"database": "ok"}})
    assert probes.readiness() == expected, f"readiness should be {expected}, got {probes.readiness()}"
