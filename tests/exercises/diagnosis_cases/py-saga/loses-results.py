# Diagnosis case: none (a failed saga reports no results: not catalogued)
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
    compensated, errors = [], []
    for index in reversed(range(failed_step)):
        compensate = steps[index][1]
        if compensate is None:
            continue
        compensated.append(index)
        try:
            compensate(results[index])
        except Exception:
            errors.append(index)
    return SagaResult(ok=False, results=[], failed_step=failed_step,
                      compensated=compensated, compensation_errors=errors, error=error)
