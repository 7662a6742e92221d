# Mistake: re-raises the step's exception after compensating, so the caller gets an exception instead of a SagaResult saying what was undone
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
        except Exception:
            for back in range(index - 1, -1, -1):
                compensate = steps[back][1]
                if compensate is not None:
                    try:
                        compensate(results[back])
                    except Exception:
                        pass
            raise
    return SagaResult(True, results)
