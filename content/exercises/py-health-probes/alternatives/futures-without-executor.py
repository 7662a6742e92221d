# Alternative: concurrent.futures.Future objects completed by one daemon thread per run, futures.wait(..., timeout) for the shared deadline, and a dict of the futures in flight
import concurrent.futures
import threading
import time


def _run_into(future, check):
    try:
        check()
    except Exception as exc:
        future.set_exception(exc)
    else:
        future.set_result(True)


class HealthProbes:
    def __init__(self, timeout, stall_after, clock=time.monotonic):
        self.timeout, self.stall_after, self.clock = timeout, stall_after, clock
        self.beat = clock()
        self.draining = False
        self.checks = []
        self.inflight = {}
        self.guard = threading.Lock()

    def add_check(self, name, check, critical=True):
        self.checks.append((name, check, critical))

    def heartbeat(self):
        self.beat = self.clock()

    def start_draining(self):
        self.draining = True

    def liveness(self):
        stalled = self.clock() - self.beat >= self.stall_after
        return (503, {"status": "stalled"}) if stalled else (200, {"status": "alive"})

    def _future(self, name, check):
        with self.guard:
            future = self.inflight.get(name)
            if future is None or future.done():
                future = concurrent.futures.Future()
                self.inflight[name] = future
                threading.Thread(target=_run_into, args=(future, check), daemon=True).start()
            return future

    def readiness(self):
        if self.draining:
            return 503, {"status": "draining", "checks": {}}
        futures = [(name, critical, self._future(name, check)) for name, check, critical in self.checks]
        concurrent.futures.wait([f for _, _, f in futures], timeout=self.timeout)
        checks, ready = {}, True
        for name, critical, future in futures:
            if not future.done():
                outcome = "timeout"
            elif future.exception() is not None:
                outcome = "fail"
            else:
                outcome = "ok"
            checks[name] = outcome
            ready = ready and (outcome == "ok" or not critical)
        return (200 if ready else 503), {"status": "ready" if ready else "not_ready", "checks": checks}
