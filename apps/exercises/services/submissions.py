"""A learner's submissions: creating one (within the caps) and retrying a platform error. Both
enqueue the grading task once the row is committed.

State changes are guarded UPDATEs (`WHERE state = ...`), so two copies of the grading task
(a redelivery racing a sweep, say) can both run and only one of them writes a result.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from apps.content.models import Exercise
from apps.exercises.models import Submission
from apps.exercises.services.caps import (
    SubmissionRefused,
    code_normalised,
    code_size_check,
    per_minute_cap_check,
    recent_runs,
)
from apps.exercises.services.queue import QUEUE_UNAVAILABLE_MESSAGE, grading_tasks

logger = logging.getLogger(__name__)


def submission_create(*, user, exercise: Exercise, code: str) -> Submission:
    """Save the learner's code as a `queued` submission and enqueue its grading after commit.

    Raises SubmissionRefused (nothing saved) when the code is empty or too large, when this
    learner already has a submission in flight for the exercise, or after too many submissions
    in the last minute.
    """
    code = code_normalised(code)
    code_size_check(
        code=code,
        too_large="Your code is {size} KB; submissions are limited to {limit} KB. "
        "Trim it down and run the tests again.",
    )
    runs = recent_runs(rows=Submission.objects.filter(user=user), exercise=exercise, retryable=True)
    in_flight = SubmissionRefused(
        "Your previous run of this exercise is still being graded. "
        "Wait for its result, then run the tests again.",
        reason="in_flight",
    )
    if runs.in_flight:
        raise in_flight
    per_minute_cap_check(
        runs=runs,
        per_minute=settings.EXERCISE_SUBMISSIONS_PER_MINUTE,
        refusal="You have run the tests {per_minute} times in the last minute. "
        "Take a breath and try again in {seconds} seconds.",
    )
    try:
        with transaction.atomic():
            if runs.retryable:
                # Older platform errors are superseded by the new code: never regrade them.
                Submission.objects.filter(
                    user=user, exercise=exercise, state=Submission.State.ERROR, retryable=True
                ).update(retryable=False)
            submission = Submission.objects.create(
                user=user, exercise=exercise, code=code, enqueued_at=timezone.now()
            )
            grading_tasks().grade_submission.delay_on_commit(submission.pk)
    except IntegrityError as exc:  # a concurrent post won the one-in-flight constraint
        raise in_flight from exc
    # When the broker refused the task, the on-commit hook has marked the row in the database
    # (submission_mark_unpublished); pages read it from there.
    logger.info(
        "submission %s queued",
        submission.pk,
        extra={"submission_id": submission.pk, "user_id": user.pk, "exercise": exercise.slug},
    )
    return submission


def submission_mark_unpublished(*, submission_id: int) -> None:
    """The broker refused the grading task: keep the row queued, say so, let the sweep retry."""
    Submission.objects.filter(pk=submission_id, state=Submission.State.QUEUED).update(
        enqueued_at=None, message=QUEUE_UNAVAILABLE_MESSAGE
    )


def submission_retry(*, user, submission: Submission) -> Submission:
    """Put a retryable error back in the queue (same code, same row)."""
    if submission.user_id != user.pk:
        raise Submission.DoesNotExist
    if not (submission.state == Submission.State.ERROR and submission.retryable):
        raise SubmissionRefused("This submission has a final result.", reason="final")
    try:
        with transaction.atomic():
            updated = Submission.objects.filter(
                pk=submission.pk, state=Submission.State.ERROR, retryable=True
            ).update(
                state=Submission.State.QUEUED,
                retryable=False,
                message="",
                enqueued_at=timezone.now(),
            )
            if updated:
                grading_tasks().grade_submission.delay_on_commit(submission.pk)
    except IntegrityError as exc:
        raise SubmissionRefused(
            "Another run of this exercise is still being graded.", reason="in_flight"
        ) from exc
    submission.refresh_from_db()
    return submission
