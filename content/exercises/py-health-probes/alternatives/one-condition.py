# Alternative: one Condition for the whole probe: each run stores its outcome in a record of its own and notifies; readiness waits until every record is filled or the deadline passes, then copies the outcomes
import threading
import time


class HealthProbes:
    def __init__(self, timeout, stall_after, clock=time.monotonic):
        self._timeout = timeout
        self._stall_after = stall_after
        self._clock = clock
        self._beat = clock()
        self._draining = threading.Event()
        self._checks = {}
        self._runs = {}  # name -> {"outcome": None | "ok" | "fail"}
        self._changed = threading.Condition()

    def add_check(self, name, check, critical=True):
        with self._changed:
            self._checks[name] = (check, critical)

    def heartbeat(self):
        self._beat = self._clock()

    def start_draining(self):
        self._draining.set()

    def liveness(self):
        if self._clock() - self._beat >= self._stall_after:
            return 503, {"status": "stalled"}
        return 200, {"status": "alive"}

    def _work(self, record, check):
        try:
            check()
            outcome = "ok"
        except Exception:
            outcome = "fail"
        with self._changed:
            record["outcome"] = outcome
            self._changed.notify_all()

    def readiness(self):
        if self._draining.is_set():
            return 503, {"status": "draining", "checks": {}}
        deadline = time.monotonic() + self._timeout
        with self._changed:
            current = {}
            for name, (check, _) in self._checks.items():
                record = self._runs.get(name)
                if record is None or record["outcome"] is not None:
                    record = self._runs[name] = {"outcome": None}
                    threading.Thread(target=self._work, args=(record, check), daemon=True).start()
                current[name] = record
            while any(r["outcome"] is None for r in current.values()):
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                self._changed.wait(left)
            outcomes = {name: r["outcome"] or "timeout" for name, r in current.items()}
            critical = [name for name, (_, is_critical) in self._checks.items() if is_critical]
        ready = all(outcomes[name] == "ok" for name in critical)
        return (200 if ready else 503), {"status": "ready" if ready else "not_ready", "checks": outcomes}
