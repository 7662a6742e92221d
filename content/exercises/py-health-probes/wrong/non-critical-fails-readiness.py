# Mistake: lets any failing check fail readiness, critical or not, so when the shared recommendations service is down every instance leaves the load balancer and the whole shop goes dark
import threading
import time


class _Run:
    """One run of a check, on a daemon thread of its own."""

    def __init__(self, check):
        self.check = check
        self.outcome = "fail"
        self.done = threading.Event()
        threading.Thread(target=self._run, daemon=True).start()

    def _run(self):
        try:
            self.check()
            self.outcome = "ok"
        except Exception:
            self.outcome = "fail"
        finally:
            self.done.set()


class HealthProbes:
    def __init__(self, timeout, stall_after, clock=time.monotonic):
        self._timeout = timeout
        self._stall_after = stall_after
        self._clock = clock
        self._last_heartbeat = clock()  # starting counts as the first heartbeat
        self._draining = False
        self._checks = {}  # name -> (check, critical)
        self._runs = {}  # name -> its latest _Run
        self._lock = threading.Lock()

    def add_check(self, name, check, critical=True):
        with self._lock:
            self._checks[name] = (check, critical)

    def heartbeat(self):
        self._last_heartbeat = self._clock()

    def start_draining(self):
        self._draining = True

    def liveness(self):
        # Only the process itself: a dependency's trouble must never get this pod restarted.
        if self._clock() - self._last_heartbeat < self._stall_after:
            return 200, {"status": "alive"}
        return 503, {"status": "stalled"}

    def readiness(self):
        if self._draining:
            return 503, {"status": "draining", "checks": {}}
        deadline = time.monotonic() + self._timeout
        with self._lock:
            checks = dict(self._checks)
            runs = {}
            for name, (check, _) in checks.items():
                run = self._runs.get(name)
                if run is None or run.done.is_set():
                    run = self._runs[name] = _Run(check)  # all start now, in parallel
                runs[name] = run  # a run still in progress is shared, never doubled
        outcomes = {}
        for name, run in runs.items():
            finished = run.done.wait(max(0.0, deadline - time.monotonic()))
            outcomes[name] = run.outcome if finished else "timeout"
        ready = all(outcome == "ok" for outcome in outcomes.values())
        # `outcomes` is this call's own dict: a check finishing late cannot change the answer.
        return (200 if ready else 503), {"status": "ready" if ready else "not_ready", "checks": outcomes}
