# Mistake: compensates from the failed step down, so the step that never completed is "undone" too (a refund for a charge that never happened)
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
            compensated, errors = [], []
            for back in range(index, -1, -1):
                compensate = steps[back][1]
                if compensate is None:
                    continue
                compensated.append(back)
                try:
                    compensate(results[back] if back < len(results) else None)
                except Exception:
                    errors.append(back)
            return SagaResult(False, results, index, compensated, errors, exc)
    return SagaResult(True, results)
