"""What a run and a grading produce. `to_dict()` gives the JSON contracts of DESIGN.md."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

OK = "ok"
RUNTIME_ERROR = "runtime_error"
TIME_LIMIT = "time_limit"
MEMORY_LIMIT = "memory_limit"
OUTPUT_LIMIT = "output_limit"
SANDBOX_ERROR = "sandbox_error"
VERDICTS = (OK, RUNTIME_ERROR, TIME_LIMIT, MEMORY_LIMIT, OUTPUT_LIMIT, SANDBOX_ERROR)

TEST_STATUSES = ("pass", "fail", "error")


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

    verdict: str
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
            "verdict": self.verdict,
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
    name: str
    status: str  # "pass" | "fail" | "error"
    message: str | None = None
    output: str | None = None
    file: str | None = None

    __test__ = False  # not a pytest test class

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "status": self.status,
            "message": self.message,
            "output": self.output,
            "file": self.file,
        }


@dataclass(frozen=True, slots=True)
class GradeResult:
    """Shaped like Exercism's test-runner results.json. `to_dict()` also carries `run` (the
    RunResult's own dict), a compatible extension the Celery task reads for the verdict."""

    status: str  # "pass" | "fail" | "error"
    message: str
    tests: list[TestResult]
    run: RunResult

    def to_dict(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "message": self.message,
            "tests": [test.to_dict() for test in self.tests],
            "run": self.run.to_dict(),
        }
