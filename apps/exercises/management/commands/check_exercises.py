"""`manage.py check_exercises [EXERCISE_ID ...]` (contract, see docs/grading.md).

Grades every live exercise's reference solution and its alternative correct solutions (each must
pass) and each of its wrong solutions (each must fail) through the real jail, printing one line
per file. Exit status 1 on any surprise: a reference or alternative that does not pass, a wrong
solution that passes, or a jail that could not be built (which proves nothing either way).
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from django.core.management.base import BaseCommand, CommandError

from apps.content.fingerprints import fingerprints_measured
from apps.content.models import Exercise
from apps.exercises.grading import code_grade, is_sandbox_error, sandbox_reason


@dataclass
class Check:
    exercise: Exercise
    label: str  # "solution.js" or "wrong/promise-all.js"
    code: str
    must_pass: bool


@dataclass
class Outcome:
    check: Check
    ok: bool
    detail: str
    jail_broken: bool = False  # the jail could not be built: proves nothing either way
    failing: dict[str, str] | None = None  # a wrong solution that fails: test -> message

    @property
    def wrong_name(self) -> str | None:
        """The wrong solution's file name, when this outcome proved one fails."""
        label = self.check.label
        return label.removeprefix("wrong/") if self.ok and label.startswith("wrong/") else None


def exercise_checks(exercise) -> list[Check]:
    """What proves one exercise: its reference and alternatives pass, its wrong solutions fail."""
    ext = exercise.extension
    checks = [Check(exercise, f"solution.{ext}", exercise.solution_code, True)]
    checks += [
        Check(exercise, f"alternatives/{name}", code, True)
        for name, code in sorted((exercise.alternative_solutions or {}).items())
    ]
    checks += [
        Check(exercise, f"wrong/{name}", code, False)
        for name, code in sorted((exercise.wrong_solutions or {}).items())
    ]
    return checks


def _first_line(text: str | None, limit: int = 90) -> str:
    line = (text or "").strip().splitlines()[0] if (text or "").strip() else ""
    return line if len(line) <= limit else line[: limit - 1] + "…"


def judge(check: Check) -> Outcome:
    exercise = check.exercise
    result = code_grade(
        language=exercise.language,
        code=check.code,
        tests=exercise.test_files,
        limits=exercise.limits,
    )
    tests = result.get("tests") or []
    passed = sum(test.get("status") == "pass" for test in tests)
    wall = (result.get("run") or {}).get("wall_ms")
    counts = f"{passed}/{len(tests)} tests pass, {wall} ms"
    if is_sandbox_error(result):
        reason = sandbox_reason(result)
        return Outcome(check, False, f"the jail could not be built: {reason}", jail_broken=True)
    status = result.get("status")
    if check.must_pass:
        if status == "pass":
            return Outcome(check, True, f"passes ({counts})")
        failing = next((t for t in tests if t.get("status") != "pass"), None)
        why = (
            f'"{failing.get("name")}": {_first_line(failing.get("message"))}'
            if failing
            else _first_line(result.get("message"))
        )
        which = "the reference" if check.label.startswith("solution.") else "this alternative"
        return Outcome(check, False, f"{which} does not pass ({counts}); {why}")
    if status == "pass":
        return Outcome(check, False, f"passes ({counts}), but it is a wrong solution")
    failing = next((t for t in tests if t.get("status") != "pass"), None)
    caught = f'caught by "{failing.get("name")}"' if failing else _first_line(result.get("message"))
    fingerprint = {
        str(t.get("name", ""))[:500]: t.get("message") or ""
        for t in tests
        if t.get("status") != "pass"
    }
    return Outcome(check, True, f"fails as it should ({counts}; {caught})", failing=fingerprint)


def fingerprints_save(exercise: Exercise, outcomes: list[Outcome]) -> dict:
    """Record the fingerprint of every wrong solution these outcomes proved to fail (the
    grading path reads them from the exercise row to name a learner's mistake)."""
    failing = {o.wrong_name: o.failing for o in outcomes if o.wrong_name and o.failing}
    fingerprints = fingerprints_measured(exercise=exercise, failing=failing)
    if fingerprints != exercise.fingerprints:
        Exercise.objects.filter(pk=exercise.pk).update(fingerprints=fingerprints)
        exercise.fingerprints = fingerprints
    return fingerprints


class Command(BaseCommand):
    help = "Prove every exercise: reference solutions pass and wrong solutions fail, in the jail."

    def add_arguments(self, parser):
        parser.add_argument("exercise_ids", nargs="*", metavar="EXERCISE_ID")
        parser.add_argument(
            "--jobs",
            type=int,
            default=max(1, min(4, os.cpu_count() or 1)),
            help="gradings to run at once (default: the number of cores, at most 4)",
        )

    def handle(self, *args, exercise_ids: list[str], jobs: int, **options):
        exercises = Exercise.objects.live().order_by("order", "slug")
        if exercise_ids:
            exercises = exercises.filter(slug__in=exercise_ids)
            missing = set(exercise_ids) - set(exercises.values_list("slug", flat=True))
            if missing:
                raise CommandError(f"unknown exercise(s): {', '.join(sorted(missing))}")
        exercises = list(exercises)
        if not exercises:
            raise CommandError("no exercises in the database: run `manage.py import_content` first")
        checks = [check for exercise in exercises for check in exercise_checks(exercise)]

        surprises = 0
        outcomes: dict[int, list[Outcome]] = {}
        with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
            current = None
            for outcome in pool.map(judge, checks):  # in order, so the output reads well
                outcomes.setdefault(outcome.check.exercise.pk, []).append(outcome)
                slug = outcome.check.exercise.slug
                if slug != current:
                    self.stdout.write(self.style.MIGRATE_HEADING(slug))
                    current = slug
                mark = (
                    self.style.SUCCESS("ok      ") if outcome.ok else self.style.ERROR("SURPRISE")
                )
                self.stdout.write(f"  {mark} {outcome.check.label:<34} {outcome.detail}")
                surprises += not outcome.ok
        for exercise in exercises:
            fingerprints_save(exercise, outcomes.get(exercise.pk, []))
        summary = (
            f"{len(exercises)} exercise(s), {len(checks)} file(s) graded in the jail: "
            f"{surprises} surprise(s)"
        )
        if surprises:
            raise CommandError(summary)
        self.stdout.write(self.style.SUCCESS(summary))
