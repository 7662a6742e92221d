"""What a run and a grading produce, typed. `to_dict()` gives the JSON contracts of DESIGN.md; it
is called only where a result leaves the program (a command's output, a stored JSON column).

A problem with the jail itself never raises out of `run()` or `grade()`: it comes back as a
result whose run has the verdict `sandbox_error`, with the reason
(`GradeResult.unavailable_reason`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class Verdict(StrEnum):
    """How a jailed run ended (decided by the supervisor, never from the program's output)."""

    OK = "ok"
    RUNTIME_ERROR = "runtime_error"
    TIME_LIMIT = "time_limit"
    MEMORY_LIMIT = "memory_limit"
    OUTPUT_LIMIT = "output_limit"
    SANDBOX_ERROR = "sandbox_error"  # the jail could not run the code: proves nothing


class Status(StrEnum):
    """A grading's outcome, and each test's (Exercism's results.json words)."""

    PASS = "pass"
    FAIL = "fail"
    ERROR = "error"


OK = Verdict.OK
RUNTIME_ERROR = Verdict.RUNTIME_ERROR
TIME_LIMIT = Verdict.TIME_LIMIT
MEMORY_LIMIT = Verdict.MEMORY_LIMIT
OUTPUT_LIMIT = Verdict.OUTPUT_LIMIT
SANDBOX_ERROR = Verdict.SANDBOX_ERROR
VERDICTS = tuple(Verdict)

TEST_STATUSES = tuple(Status)

# The reason a jail was unavailable, short enough to show a learner or an author.
UNAVAILABLE_REASON_MAX_CHARS = 500


class SandboxUnavailable(Exception):
    """The jail cannot be built on this machine; `reason` says why in plain words."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class RunResult:
    """One jailed run. `exit_code` is the program's exit status (128+N when signal N ended it),
    or None when the sandbox stopped it (time or output limit) or never started it. For
    `sandbox_error`, `stderr` holds the reason.

    `jail_uid` (the host uid the run used) and `max_rss_kb` are diagnostics, not part of the JSON
    contract."""

    verdict: Verdict
    exit_code: int | None
    stdout: str
    stderr: str
    wall_ms: int
    cpu_ms: int
    truncated: bool
    jail_uid: int | None = field(default=None, compare=False)
    max_rss_kb: int = field(default=0, compare=False)

    def to_dict(self) -> dict[str, Any]:
        return {
            "verdict": str(self.verdict),
            "exit_code": self.exit_code,
            "stdout": self.stdout,
            "stderr": self.stderr,
            "wall_ms": self.wall_ms,
            "cpu_ms": self.cpu_ms,
            "truncated": self.truncated,
        }

    @classmethod
    def sandbox_error(cls, reason: str, *, wall_ms: int = 0) -> RunResult:
        return cls(SANDBOX_ERROR, None, "", reason, wall_ms, 0, False)


@dataclass(frozen=True, slots=True)
class TestResult:
    """One test of a grading. `line` is the line of the learner's file a failure came out of, as
    the harness runner located it (None for a pass, an assertion, or code outside theirs)."""

    name: str
    status: Status
    message: str | None = None
    output: str | None = None
    file: str | None = None
    line: int | None = None

    __test__ = False  # not a pytest test class

    @property
    def passed(self) -> bool:
        return self.status == Status.PASS

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "status": str(self.status),
            "message": self.message,
            "output": self.output,
            "file": self.file,
            "line": self.line,
        }


@dataclass(frozen=True, slots=True)
class GradeResult:
    """Shaped like Exercism's test-runner results.json. `to_dict()` also carries `run` (the
    RunResult's own dict), a compatible extension."""

    status: Status
    message: str
    tests: list[TestResult]
    run: RunResult

    @classmethod
    def unavailable_jail(cls, reason: str) -> GradeResult:
        """The jail could not be set up for this grading: nothing ran."""
        message = f"The sandbox is unavailable: {reason}"
        return cls(Status.ERROR, message, [], RunResult.sandbox_error(reason))

    @property
    def unavailable_reason(self) -> str | None:
        """Why the jail could not run the code (verdict `sandbox_error`), or None when it ran.
        Such a result proves nothing about the code: callers retry it, never record it."""
        if self.run.verdict != SANDBOX_ERROR:
            return None
        reason = (self.run.stderr or self.message or "unknown reason").strip()
        return reason[:UNAVAILABLE_REASON_MAX_CHARS]

    @property
    def failing(self) -> dict[str, str]:
        """Test name -> message of every test that did not pass (what a known mistake's
        fingerprint records and a diagnosis compares)."""
        return {test.name: test.message or "" for test in self.tests if not test.passed}

    def to_dict(self) -> dict[str, Any]:
        return {
            "status": str(self.status),
            "message": self.message,
            "tests": [test.to_dict() for test in self.tests],
            "run": self.run.to_dict(),
        }
