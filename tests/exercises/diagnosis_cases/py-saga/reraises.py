# Diagnosis case: raises-after-compensating.py (undoes everything, then raises the error)
from dataclasses import dataclass, field


@dataclass
class SagaResult:
    ok: bool
    results: list = field(default_factory=list)
    failed_step: int | None = None
    compensated: list = field(default_factory=list)
    compensation_errors: list = field(default_factory=list)
    error: Exception | None = None


def run_saga(steps):
    results = []
    for index, (action, _) in enumerate(steps):
        try:
            results.append(action())
        except Exception as exc:
            return _compensate(steps, results, failed_step=index, error=exc)
    return SagaResult(ok=True, results=results)


def _compensate(steps, results, *, failed_step, error):
    for index in reversed(range(failed_step)):
        compensate = steps[index][1]
        if compensate is None:
            continue
        try:
            compensate(results[index])
        except Exception:
            pass
    raise error
