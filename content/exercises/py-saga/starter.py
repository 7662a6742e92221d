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
    """Run each (action, compensate) step in order; on a failure, compensate the completed
    steps in reverse order. Returns a SagaResult (see the prompt)."""
    # Your code here.
    pass
