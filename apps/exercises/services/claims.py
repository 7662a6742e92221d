"""A worker's claim on a submission: marking it `running` for one task and reading what grading
needs. The claim's attempt number then guards the write of the outcome (recording.py)."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F, OuterRef, Subquery
from django.utils import timezone

from apps.content.models import ExerciseCard
from apps.exercises.models import Submission
from apps.exercises.services.queue import may_take_over

logger = logging.getLogger(__name__)


@dataclass
class Claim:
    """A worker's claim on a submission: what it needs to grade it and to write the result."""

    submission_id: int
    attempt: int
    language: str
    code: str
    tests: dict[str, str]
    limits: dict[str, Any]  # the exercise's overrides of the language's default limits
    card_id: int | None = None  # the card whose review the outcome counts as
    # The wrong solutions' fingerprints, read with the exercise row (no query of their own).
    fingerprints: dict[str, Any] = field(default_factory=dict)


def _claimable(submission_id: int):
    return (
        Submission.objects.select_related("exercise")
        # What a claim reads, no more: an exercise row also carries its prompt, solutions and
        # check report, whose parsing was most of a claim's cost.
        .only(
            "pk",
            "state",
            "attempts",
            "task_id",
            "started_at",
            "code",
            "exercise_id",
            "exercise__language",
            "exercise__example_tests",
            "exercise__hidden_tests",
            "exercise__limits",
            "exercise__fingerprints",
        )
        .annotate(
            card_id=Subquery(
                ExerciseCard.objects.filter(exercise_id=OuterRef("exercise_id"))
                .order_by("position")
                .values("card_id")[:1]
            )
        )
        .filter(pk=submission_id)
    )


def submission_claim(*, submission_id: int, task_id: str, worker: str) -> Claim | None:
    """Mark the submission `running` for this task and return what grading needs, or None when
    there is nothing to do: gone, finished, or being graded right now by another live task.

    A `queued` row is claimed with one guarded UPDATE (the common case, and the fast one). A
    `running` row is taken over when the same task comes back (Celery redelivered it after its
    worker died) or when its claim is older than the sweep's patience (the sweep enqueued a new
    task for it). After EXERCISE_MAX_ATTEMPTS claims it is closed as an error instead, so code
    that kills its worker cannot loop forever.
    """
    now = timezone.now()
    claimed = {"task_id": task_id[:64], "worker": worker[:200], "started_at": now, "message": ""}
    if Submission.objects.filter(
        pk=submission_id,
        state=Submission.State.QUEUED,
        attempts__lt=settings.EXERCISE_MAX_ATTEMPTS,
    ).update(state=Submission.State.RUNNING, attempts=F("attempts") + 1, **claimed):
        submission = _claimable(submission_id).first()
        if submission is None:
            return None
        return _claim_of(submission, attempt=submission.attempts)

    with transaction.atomic():
        submission = _claimable(submission_id).select_for_update(of=("self",)).first()
        if submission is None or submission.state not in Submission.IN_FLIGHT:
            return None
        if submission.state == Submission.State.RUNNING and not may_take_over(
            row=submission, task_id=task_id, now=now
        ):
            return None
        if submission.attempts >= settings.EXERCISE_MAX_ATTEMPTS:
            Submission.objects.filter(pk=submission.pk).update(
                state=Submission.State.ERROR,
                retryable=False,
                message=(
                    f"Grading was interrupted {submission.attempts} times, so we stopped "
                    "trying. Check your code for anything that could crash the grader, "
                    "then run the tests again."
                ),
                finished_at=now,
            )
            logger.error(
                "submission %s abandoned after %s attempts", submission.pk, submission.attempts
            )
            return None
        attempt = submission.attempts + 1
        Submission.objects.filter(pk=submission.pk).update(
            state=Submission.State.RUNNING, attempts=attempt, **claimed
        )
    return _claim_of(submission, attempt=attempt)


def _claim_of(submission: Submission, *, attempt: int) -> Claim:
    exercise = submission.exercise
    return Claim(
        submission_id=submission.pk,
        attempt=attempt,
        language=exercise.language,
        code=submission.code,
        tests=exercise.test_files,
        limits=dict(exercise.limits or {}),
        card_id=submission.card_id,  # type: ignore[attr-defined]  # annotated by the query above
        fingerprints=exercise.fingerprints or {},
    )
