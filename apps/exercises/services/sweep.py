"""The periodic sweep over submissions: nothing stays stuck when a worker dies or the broker is
down. (Example runs have a sweep of their own in example_runs.py; the task runs both.)"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from apps.exercises.models import Submission
from apps.exercises.services.queue import grading_tasks, stale_q
from apps.exercises.services.recording import REVIEW_GRACE, submission_review_record
from apps.exercises.services.submissions import submission_mark_unpublished

logger = logging.getLogger(__name__)


@dataclass
class SweepSummary:
    requeued: list[int] = field(default_factory=list)
    retried: list[int] = field(default_factory=list)
    reviewed: list[int] = field(default_factory=list)
    broker_down: bool = False


def submissions_sweep(*, now: datetime | None = None, limit: int = 500) -> SweepSummary:
    """Re-enqueue what would otherwise be stuck, oldest first:

    - `queued` rows whose publish failed (broker down) or that waited too long;
    - `running` rows whose claim is older than the sweep's patience (worker killed mid-run);
    - retryable errors (the jail was unavailable), after a pause, while attempts remain.

    Stops at the first publish failure: the broker is down and the next sweep will try again.
    Also records the card reviews a worker left `pending` (it died between the verdict and the
    review), for outcomes of the last day.
    """
    now = now or timezone.now()
    summary = SweepSummary()
    error_after = timedelta(seconds=settings.EXERCISE_SWEEP_ERROR_AFTER_SECONDS)
    State = Submission.State

    retry_ids = list(
        Submission.objects.filter(
            state=State.ERROR,
            retryable=True,
            finished_at__lt=now - error_after,
            attempts__lt=settings.EXERCISE_MAX_ATTEMPTS,
        )
        .order_by("finished_at")
        .values_list("pk", flat=True)[:limit]
    )
    for pk in retry_ids:
        try:
            with transaction.atomic():
                if Submission.objects.filter(pk=pk, state=State.ERROR, retryable=True).update(
                    state=State.QUEUED, retryable=False, enqueued_at=None
                ):
                    summary.retried.append(pk)
        except IntegrityError:  # the learner has another run in flight: leave this one
            continue

    stale = Submission.objects.filter(stale_q(now=now))
    stale_ids = list(stale.order_by("created_at").values_list("pk", flat=True)[:limit])
    grade_submission = grading_tasks().grade_submission
    for pk in dict.fromkeys([*summary.retried, *stale_ids]):
        try:
            grade_submission.publish(pk)
        except Exception as exc:
            logger.warning(
                "sweep: the broker refused submission %s (%s); next sweep retries", pk, exc
            )
            submission_mark_unpublished(submission_id=pk)
            summary.broker_down = True
            break
        Submission.objects.filter(pk=pk, state__in=Submission.IN_FLIGHT).update(
            enqueued_at=now, message=""
        )
        if pk not in summary.retried:
            summary.requeued.append(pk)
    pending_reviews = Submission.objects.filter(
        review=Submission.Review.PENDING,
        finished_at__lt=now - REVIEW_GRACE,
        finished_at__gte=now - timedelta(days=1),
    ).values_list("pk", flat=True)[:limit]
    for pk in pending_reviews:
        submission_review_record(submission_id=pk)
        summary.reviewed.append(pk)

    if summary.requeued or summary.retried or summary.broker_down:
        logger.warning(
            "sweep: requeued %s, retried %s%s",
            summary.requeued,
            summary.retried,
            " (broker down)" if summary.broker_down else "",
        )
    return summary
