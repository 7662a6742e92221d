"""Grading one piece of code in the jail, for the Celery task and the management commands.

No database access here: callers pass the exercise's language, test files and limits.
"""

from __future__ import annotations

from typing import Any


def code_grade(
    *, language: str, code: str, tests: dict[str, str], limits: dict[str, Any] | None = None
) -> dict[str, Any]:
    """The sandbox's GradeResult as a dict (status, message, tests, run). When the jail cannot
    be built the result is status `error` with run verdict `sandbox_error` and the reason:
    the code is never run unconfined."""
    from apps.sandbox import Limits, RunResult, SandboxUnavailable, grade

    try:
        result = grade(
            language=language,
            code=code,
            tests=tests,
            limits=Limits.for_language(language, **(limits or {})),
        )
    except SandboxUnavailable as exc:
        return {
            "status": "error",
            "message": f"The sandbox is unavailable: {exc.reason}",
            "tests": [],
            "run": RunResult.sandbox_error(exc.reason).to_dict(),
        }
    return result.to_dict()


def is_sandbox_error(result: dict[str, Any]) -> bool:
    return (result.get("run") or {}).get("verdict") == "sandbox_error"


def sandbox_reason(result: dict[str, Any]) -> str:
    run = result.get("run") or {}
    return (run.get("stderr") or result.get("message") or "unknown reason").strip()[:500]
