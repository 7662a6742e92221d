# Mistake: tests the step's result for truth before compensating, so a step that returned None, 0 or an empty string is never undone
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
            for back in reversed(range(index)):
                compensate = steps[back][1]
                if compensate is None or not results[back]:
                    continue
                compensated.append(back)
                try:
                    compensate(results[back])
                except Exception:
                    errors.append(back)
            return SagaResult(False, results, index, compensated, errors, exc)
    return SagaResult(True, results)
