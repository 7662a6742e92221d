# Mistake: calls each check directly in the probe's thread with no timeout, so one hanging dependency hangs the readiness endpoint itself, and the kubelet's probe times out instead of getting an answer
import threading
import time


class HealthProbes:
    def __init__(self, timeout, stall_after, clock=time.monotonic):
        self._timeout = timeout
        self._stall_after = stall_after
        self._clock = clock
        self._last_heartbeat = clock()
        self._draining = False
        self._checks = {}

    def add_check(self, name, check, critical=True):
        self._checks[name] = (check, critical)

    def heartbeat(self):
        self._last_heartbeat = self._clock()

    def start_draining(self):
        self._draining = True

    def liveness(self):
        if self._clock() - self._last_heartbeat < self._stall_after:
            return 200, {"status": "alive"}
        return 503, {"status": "stalled"}

    def readiness(self):
        if self._draining:
            return 503, {"status": "draining", "checks": {}}
        outcomes = {}
        for name, (check, _) in list(self._checks.items()):
            try:
                check()
                outcomes[name] = "ok"
            except Exception:
                outcomes[name] = "fail"
        ready = all(outcomes[name] == "ok" for name, (_, critical) in self._checks.items() if critical)
        return (200 if ready else 503), {"status": "ready" if ready else "not_ready", "checks": outcomes}
