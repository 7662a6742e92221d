# Mistake: keeps one "last error" for the whole saga, so a compensation that raises replaces the exception of the step that failed in the result's error
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
    last_error = None
    failed_step = None
    for index, (action, _) in enumerate(steps):
        try:
            results.append(action())
        except Exception as exc:
            last_error = exc
            failed_step = index
            break
    if failed_step is None:
        return SagaResult(ok=True, results=results)
    compensated, errors = [], []
    for index in range(failed_step - 1, -1, -1):
        compensate = steps[index][1]
        if compensate is None:
            continue
        compensated.append(index)
        try:
            compensate(results[index])
        except Exception as exc:
            last_error = exc
            errors.append(index)
    return SagaResult(False, results, failed_step, compensated, errors, last_error)
