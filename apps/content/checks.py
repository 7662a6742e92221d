"""The background check of an exercise saved in the admin: its reference solution must pass and
every wrong solution must fail, graded in the real jail (the same judge as `check_exercises`).

Saving asks for a check (`exercise_check_request`): the exercise is marked pending and, when its
code changed, unpublished until the check passes. The Celery task runs `exercise_check_run` on a
sandbox worker. Each request carries a new token and the result is written only if the token is
still current, so an older check finishing late never overwrites a newer one.
"""

from __future__ import annotations

import logging
import uuid
from concurrent.futures import ThreadPoolExecutor

from django.db import transaction
from django.utils import timezone

from apps.content.models import Exercise
from apps.content.services import content_generation_bump

logger = logging.getLogger(__name__)

# Fields whose change can make the reference fail or a wrong solution pass.
CODE_FIELDS = (
    "language",
    "example_tests",
    "hidden_tests",
    "solution_code",
    "wrong_solutions",
    "alternative_solutions",
    "limits",
)
CHECK_JOBS = 2
QUEUE_DOWN = "The check could not be queued (broker unreachable). Run it again from the list."


def code_changed(*, before: dict, exercise: Exercise) -> bool:
    """True for a new exercise or one whose tests, solutions, language or limits changed."""
    if not before:
        return True
    return any(before.get(name) != getattr(exercise, name) for name in CODE_FIELDS)


def exercise_check_request(*, exercise: Exercise, unpublish: bool) -> str:
    """Mark the exercise pending (and unpublished when its code changed) and enqueue the check
    once the surrounding transaction commits. Returns the check's token."""
    token = uuid.uuid4().hex
    fields = {
        "check_status": Exercise.Check.PENDING,
        "check_token": token,
        "check_report": [],
    }
    if unpublish:
        fields["is_published"] = False
    Exercise.objects.filter(pk=exercise.pk).update(**fields)
    for name, value in fields.items():
        setattr(exercise, name, value)
    content_generation_bump()
    transaction.on_commit(lambda: _enqueue(exercise.pk, token))
    return token


def _enqueue(exercise_id: int, token: str) -> None:
    from apps.content.tasks import exercise_check

    try:
        exercise_check.apply_async((exercise_id, token), retry=False)
    except Exception as exc:  # the save stands; say why nothing is happening
        logger.warning("exercise %s: check not queued: %s", exercise_id, exc)
        Exercise.objects.filter(pk=exercise_id, check_token=token).update(
            check_status=Exercise.Check.ERROR,
            check_report=[{"label": "queue", "ok": False, "detail": QUEUE_DOWN}],
        )


def exercises_missing_fingerprints() -> list[int]:
    """Live exercises with a wrong solution whose fingerprint is missing or out of date (a
    fresh database after `import_content`, or files changed since the last check)."""
    from apps.content.fingerprints import fingerprints_pruned

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
    from apps.content.fingerprints import fingerprint_of, fingerprints_pruned
    from apps.exercises.management.commands.check_exercises import exercise_checks, judge

    exercise = Exercise.objects.filter(pk=exercise_id).first()
    if exercise is None:
        return 0
    have = fingerprints_pruned(exercise=exercise)
    checks = [
        check
        for check in exercise_checks(exercise)
        if check.label.startswith("wrong/") and check.label.removeprefix("wrong/") not in have
    ]
    with ThreadPoolExecutor(max_workers=CHECK_JOBS) as pool:
        outcomes = list(pool.map(judge, checks))
    measured = {
        o.wrong_name: fingerprint_of(exercise=exercise, name=o.wrong_name, failing=o.failing)
        for o in outcomes
        if o.wrong_name and o.failing
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


def exercise_check_run(*, exercise_id: int, token: str) -> str | None:
    """Grade the exercise's solutions in the jail and record the outcome. Returns the status
    written, or None when the exercise is gone or a newer save superseded this check."""
    from apps.content.fingerprints import fingerprints_measured
    from apps.exercises.management.commands.check_exercises import exercise_checks, judge

    exercise = Exercise.objects.filter(pk=exercise_id, check_token=token).first()
    if exercise is None:
        return None
    checks = exercise_checks(exercise)
    with ThreadPoolExecutor(max_workers=CHECK_JOBS) as pool:
        outcomes = list(pool.map(judge, checks))
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
    failing = {o.wrong_name: o.failing for o in outcomes if o.wrong_name and o.failing}
    fields["fingerprints"] = fingerprints_measured(exercise=exercise, failing=failing)
    if status == Exercise.Check.PASSED:
        fields["is_published"] = True
    elif status == Exercise.Check.FAILED:
        fields["is_published"] = False
    if not Exercise.objects.filter(pk=exercise_id, check_token=token).update(**fields):
        return None  # a newer save asked for another check while this one ran
    content_generation_bump()
    return status
