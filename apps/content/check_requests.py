"""Asking for the background check of an exercise an author saved in the admin: its reference
solution must pass and every wrong solution must fail, graded in the real jail (the proof,
apps/exercises/proving.py, the same as `check_exercises`).

Saving asks for a check (`exercise_check_request`): the exercise is marked pending and, when its
code changed, unpublished until the check passes. The Celery task (apps/content/tasks.py) runs
the proof on a sandbox worker. Each request carries a new token and the result is written only
if the token is still current, so an older check finishing late never overwrites a newer one.
"""

from __future__ import annotations

import logging
import uuid

from django.db import transaction

from apps.content.models import Exercise
from apps.content.services import content_generation_bump
from apps.content.tasks import exercise_check

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
    try:
        exercise_check.apply_async((exercise_id, token), retry=False)
    except Exception as exc:  # the save stands; say why nothing is happening
        logger.warning("exercise %s: check not queued: %s", exercise_id, exc)
        Exercise.objects.filter(pk=exercise_id, check_token=token).update(
            check_status=Exercise.Check.ERROR,
            check_report=[{"label": "queue", "ok": False, "detail": QUEUE_DOWN}],
        )
