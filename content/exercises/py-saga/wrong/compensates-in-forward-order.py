# Mistake: compensates the completed steps in the order they ran, so the payment is still held while the stock it paid for is already released
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
            for done in range(index):
                compensate = steps[done][1]
                if compensate is None:
                    continue
                compensated.append(done)
                try:
                    compensate(results[done])
                except Exception:
                    errors.append(done)
            return SagaResult(False, results, index, compensated, errors, exc)
    return SagaResult(True, results)
