# Mistake: runs the checks one after another, each with its own timeout, so the timeouts add up: three slow dependencies make the probe three times too slow and checks that need each other never meet
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
        self._running = {}  # name -> the thread of its run
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

    def _run_one(self, name, check):
        with self._lock:
            thread = self._running.get(name)
            if thread is None or not thread.is_alive():
                result = {}

                def target():
                    try:
                        check()
                        result["outcome"] = "ok"
                    except Exception:
                        result["outcome"] = "fail"

                thread = threading.Thread(target=target, daemon=True)
                thread.result = result
                self._running[name] = thread
                thread.start()
        thread.join(self._timeout)
        if thread.is_alive():
            return "timeout"
        return thread.result.get("outcome", "fail")

    def readiness(self):
        if self._draining:
            return 503, {"status": "draining", "checks": {}}
        outcomes = {name: self._run_one(name, check) for name, (check, _) in list(self._checks.items())}
        ready = all(outcomes[name] == "ok" for name, (_, critical) in self._checks.items() if critical)
        return (200 if ready else 503), {"status": "ready" if ready else "not_ready", "checks": outcomes}
