"""The sandbox: run learners' JavaScript and Python in a bubblewrap jail (plain Python, no Django).

    from apps.sandbox import Limits, RunResult, run, preflight, SandboxUnavailable
    from apps.sandbox import GradeResult, TestResult, grade
    from apps.sandbox import warm_jail  # worker processes: the next jail built ahead

See docs/sandbox.md for the threat model and the layers, docs/exercise-format.md for the harness.
"""

from .api import run
from .grader import grade
from .host_check import preflight
from .jail import warm_jail
from .limits import Limits
from .results import GradeResult, RunResult, SandboxUnavailable, TestResult

__all__ = [
    "GradeResult",
    "Limits",
    "RunResult",
    "SandboxUnavailable",
    "TestResult",
    "grade",
    "preflight",
    "run",
    "warm_jail",
]
