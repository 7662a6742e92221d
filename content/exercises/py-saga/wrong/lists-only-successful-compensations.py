# Mistake: lists a step as compensated only when its compensation succeeded, so a failed undo disappears from the record of what was attempted
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
                if compensate is None:
                    continue
                try:
                    compensate(results[back])
                    compensated.append(back)
                except Exception:
                    errors.append(back)
            return SagaResult(False, results, index, compensated, errors, exc)
    return SagaResult(True, results)
