# Mistake: the check threads write into the very dict the probe returned, so a check that timed out and finishes later rewrites an answer already given
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
        self._running = {}  # name -> (thread, the dict it writes to)
        self._lock = threading.Lock()

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
        deadline = time.monotonic() + self._timeout
        outcomes = {name: "timeout" for name in self._checks}
        threads = {}
        with self._lock:
            for name, (check, _) in self._checks.items():
                running = self._running.get(name)
                if running is not None and running.is_alive():
                    threads[name] = running
                    continue

                def target(name=name, check=check):
                    try:
                        check()
                        outcomes[name] = "ok"
                    except Exception:
                        outcomes[name] = "fail"

                thread = threading.Thread(target=target, daemon=True)
                thread.start()
                threads[name] = self._running[name] = thread
        for thread in threads.values():
            thread.join(max(0.0, deadline - time.monotonic()))
        ready = all(outcomes[name] == "ok" for name, (_, critical) in self._checks.items() if critical)
        return (200 if ready else 503), {"status": "ready" if ready else "not_ready", "checks": outcomes}
