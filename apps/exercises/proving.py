"""Proving an exercise in the real jail: its reference solution and each alternative correct
solution must pass, and each wrong solution must fail. A wrong solution proven to fail leaves its
fingerprint (the tests it fails, apps/content/fingerprints.py), which names a learner's mistake.

Two callers, one proof:
- `manage.py check_exercises` proves every live exercise and prints a line per file;
- the admin's background check (`exercise_check_run`, run by apps/content/tasks.py after an
  author saves an exercise, see apps/content/check_requests.py) records the outcome on the
  exercise and publishes it only when the proof holds.

A jail that cannot be built proves nothing either way: the outcome says so with its
`jail_broken` flag, never in words another module would have to read.

`exercise_grade` (one file against an exercise, in the jail, outside the queue) is also what
`manage.py grade` and `manage.py measure_diagnosis` grade with.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from enum import StrEnum

from django.db import transaction
from django.utils import timezone

from apps.content.fingerprints import fingerprint_of, fingerprints_measured, fingerprints_pruned
from apps.content.models import Exercise
from apps.content.services import content_generation_bump
from apps.sandbox import GradeResult, Limits, grade
from apps.sandbox.results import Status

# Gradings at once in the admin's background check (the command takes --jobs).
CHECK_JOBS = 2


class Role(StrEnum):
    """What a file of the exercise must do in the jail."""

    REFERENCE = "reference"  # solution.<ext>: must pass
    ALTERNATIVE = "alternative"  # alternatives/<name>: must pass
    WRONG = "wrong"  # wrong/<name>: must fail


@dataclass(frozen=True)
class Check:
    """One file to prove."""

    exercise: Exercise
    role: Role
    name: str  # the file's name ("solution.js", "promise-all.js")
    code: str

    @property
    def must_pass(self) -> bool:
        return self.role != Role.WRONG

    @property
    def label(self) -> str:
        """The file as an author knows it: "solution.js", "wrong/promise-all.js"."""
        if self.role == Role.ALTERNATIVE:
            return f"alternatives/{self.name}"
        if self.role == Role.WRONG:
            return f"wrong/{self.name}"
        return self.name


@dataclass
class Outcome:
    check: Check
    ok: bool  # the file did what its role requires
    detail: str  # one line for the author
    jail_broken: bool = False  # the jail could not be built: proves nothing either way
    failing: dict[str, str] | None = None  # a wrong solution that fails: test -> message

    @property
    def wrong_name(self) -> str | None:
        """The wrong solution's file name, when this outcome proved one fails."""
        return self.check.name if self.ok and self.check.role == Role.WRONG else None


def exercise_checks(exercise: Exercise) -> list[Check]:
    """What proves one exercise: its reference and alternatives pass, its wrong solutions fail."""
    checks = [
        Check(exercise, Role.REFERENCE, f"solution.{exercise.extension}", exercise.solution_code)
    ]
    checks += [
        Check(exercise, Role.ALTERNATIVE, name, code)
        for name, code in sorted((exercise.alternative_solutions or {}).items())
    ]
    checks += [
        Check(exercise, Role.WRONG, name, code)
        for name, code in sorted((exercise.wrong_solutions or {}).items())
    ]
    return checks


def exercise_grade(*, exercise: Exercise, code: str) -> GradeResult:
    """Grade `code` against the exercise's tests (the example and the hidden ones, as the portal
    does) in the jail, with the exercise's limits, outside the queue."""
    limits = Limits.for_language(exercise.language, **(exercise.limits or {}))
    return grade(language=exercise.language, code=code, tests=exercise.test_files, limits=limits)


def _first_line(text: str | None, limit: int = 90) -> str:
    line = (text or "").strip().splitlines()[0] if (text or "").strip() else ""
    return line if len(line) <= limit else line[: limit - 1] + "…"


def judge(check: Check) -> Outcome:
    """Grade one file in the jail and say whether it did what its role requires."""
    result = exercise_grade(exercise=check.exercise, code=check.code)
    passed = sum(test.passed for test in result.tests)
    counts = f"{passed}/{len(result.tests)} tests pass, {result.run.wall_ms} ms"
    reason = result.unavailable_reason
    if reason is not None:
        return Outcome(check, False, f"the jail could not be built: {reason}", jail_broken=True)
    first_failure = next((test for test in result.tests if not test.passed), None)
    if check.must_pass:
        if result.status == Status.PASS:
            return Outcome(check, True, f"passes ({counts})")
        why = (
            f'"{first_failure.name}": {_first_line(first_failure.message)}'
            if first_failure
            else _first_line(result.message)
        )
        which = "the reference" if check.role == Role.REFERENCE else "this alternative"
        return Outcome(check, False, f"{which} does not pass ({counts}); {why}")
    if result.status == Status.PASS:
        return Outcome(check, False, f"passes ({counts}), but it is a wrong solution")
    caught = f'caught by "{first_failure.name}"' if first_failure else _first_line(result.message)
    return Outcome(check, True, f"fails as it should ({counts}; {caught})", failing=result.failing)


def fingerprints_save(exercise: Exercise, outcomes: list[Outcome]) -> dict:
    """Record the fingerprint of every wrong solution these outcomes proved to fail (the
    grading path reads them from the exercise row to name a learner's mistake)."""
    fingerprints = fingerprints_measured(exercise=exercise, failing=_failing_of(outcomes))
    if fingerprints != exercise.fingerprints:
        Exercise.objects.filter(pk=exercise.pk).update(fingerprints=fingerprints)
        exercise.fingerprints = fingerprints
    return fingerprints


def _failing_of(outcomes: list[Outcome]) -> dict[str, dict[str, str]]:
    return {o.wrong_name: o.failing for o in outcomes if o.wrong_name and o.failing}


def _judged(checks: list[Check]) -> list[Outcome]:
    with ThreadPoolExecutor(max_workers=CHECK_JOBS) as pool:
        return list(pool.map(judge, checks))


# The admin's background check ----------------------------------------------------------------


def exercise_check_run(*, exercise_id: int, token: str) -> str | None:
    """Prove the exercise in the jail and record the outcome on it (status, a report line per
    file, fingerprints; published only when the proof holds). Returns the status written, or
    None when the exercise is gone or a newer save superseded this check (its token)."""
    exercise = Exercise.objects.filter(pk=exercise_id, check_token=token).first()
    if exercise is None:
        return None
    checks = exercise_checks(exercise)
    outcomes = _judged(checks)
    report = [{"label": o.check.label, "ok": o.ok, "detail": o.detail} for o in outcomes]
    jail_broken = any(o.jail_broken for o in outcomes)
    if jail_broken:
        status = Exercise.Check.ERROR  # proves nothing either way: publication unchanged
    elif all(o.ok for o in outcomes) and len(checks) > 1:
        status = Exercise.Check.PASSED
    else:
        status = Exercise.Check.FAILED
    if len(checks) == 1 and not jail_broken:
        report.append({"label": "wrong/", "ok": False, "detail": "no wrong solution to prove"})
    fields = {"check_status": status, "check_report": report, "checked_at": timezone.now()}
    fields["fingerprints"] = fingerprints_measured(exercise=exercise, failing=_failing_of(outcomes))
    if status == Exercise.Check.PASSED:
        fields["is_published"] = True
    elif status == Exercise.Check.FAILED:
        fields["is_published"] = False
    if not Exercise.objects.filter(pk=exercise_id, check_token=token).update(**fields):
        return None  # a newer save asked for another check while this one ran
    content_generation_bump()
    return status


# Fingerprints a fresh database lacks ---------------------------------------------------------


def exercises_missing_fingerprints() -> list[int]:
    """Live exercises with a wrong solution whose fingerprint is missing or out of date (a
    fresh database after `import_content`, or files changed since the last check)."""
    missing = []
    for exercise in Exercise.objects.live().only(
        "pk", "example_tests", "hidden_tests", "wrong_solutions", "fingerprints"
    ):
        if set(fingerprints_pruned(exercise=exercise)) != set(exercise.wrong_solutions or {}):
            missing.append(exercise.pk)
    return missing


def exercise_fingerprints_fill(*, exercise_id: int) -> int:
    """Grade, in the jail, the wrong solutions of one exercise that have no current fingerprint,
    and record theirs. Returns how many were recorded."""
    exercise = Exercise.objects.filter(pk=exercise_id).first()
    if exercise is None:
        return 0
    have = fingerprints_pruned(exercise=exercise)
    checks = [
        check
        for check in exercise_checks(exercise)
        if check.role == Role.WRONG and check.name not in have
    ]
    measured = {
        name: fingerprint_of(exercise=exercise, name=name, failing=failing)
        for name, failing in _failing_of(_judged(checks)).items()
    }
    with transaction.atomic():
        fresh = Exercise.objects.select_for_update().filter(pk=exercise_id).first()
        if fresh is None:
            return 0
        fingerprints = fingerprints_pruned(exercise=fresh)
        fingerprints.update(measured)
        fresh.fingerprints = fingerprints
        # Only what still matches the row's code (it may have been edited meanwhile).
        fingerprints = fingerprints_pruned(exercise=fresh)
        Exercise.objects.filter(pk=exercise_id).update(
            fingerprints=dict(sorted(fingerprints.items()))
        )
    return len(measured)
