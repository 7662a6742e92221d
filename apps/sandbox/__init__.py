"""The sandbox: run learners' JavaScript and Python in a bubblewrap jail (plain Python, no Django).

    from apps.sandbox import Limits, RunResult, run, preflight, SandboxUnavailable
    from apps.sandbox import GradeResult, TestResult, grade
    from apps.sandbox import build_ahead, keep_warm  # worker processes: the next jail ahead

See docs/sandbox.md for the threat model and the layers, docs/exercise-format.md for the harness.
"""

from .api import run
from .checks import preflight
from .grader import grade
from .jail import build_ahead, keep_warm
from .limits import LANGUAGES, Limits
from .results import GradeResult, RunResult, SandboxUnavailable, TestResult

__all__ = [
    "LANGUAGES",
    "GradeResult",
    "Limits",
    "RunResult",
    "SandboxUnavailable",
    "TestResult",
    "build_ahead",
    "grade",
    "keep_warm",
    "preflight",
    "run",
]
