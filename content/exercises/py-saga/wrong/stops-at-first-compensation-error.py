# Mistake: one try/except around the whole compensation loop, so the first compensation that raises leaves every earlier step uncompensated
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
            back = None
            try:
                for back in range(index - 1, -1, -1):
                    compensate = steps[back][1]
                    if compensate is not None:
                        compensated.append(back)
                        compensate(results[back])
            except Exception:
                errors.append(back)
            return SagaResult(False, results, index, compensated, errors, exc)
    return SagaResult(True, results)
