"""Recording a grading's outcome: the verdict with its per-test rows (and the known mistake the
failing tests match), a jail that was unavailable, and the card review the outcome counts as.

The outcome arrives typed (the sandbox's GradeResult); only the rows written here are text.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.db import transaction
from django.db.models import Count, Exists, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from apps.content.models import Card, ExerciseCard
from apps.exercises.coaching import diagnose, review_rating
from apps.exercises.models import GiveUp, HintReveal, Submission, TestResult
from apps.exercises.services.claims import Claim
from apps.sandbox.results import SANDBOX_ERROR, GradeResult, RunResult, Status
from apps.study.models import ReviewLog
from apps.study.services import review_record

logger = logging.getLogger(__name__)

RESULT_OUTPUT_MAX_CHARS = 8_000
RUN_OUTPUT_MAX_CHARS = 8_000
# A review is recorded right after its verdict; only a dead worker leaves one pending longer.
REVIEW_GRACE = timedelta(seconds=60)

# A grading's status -> the final state of the row it grades (anything else is an error).
FINAL_STATES = {Status.PASS: Submission.State.PASSED, Status.FAIL: Submission.State.FAILED}


def clipped(text: str | None) -> str:
    """A test's message or output as a row stores it."""
    return (text or "")[:RESULT_OUTPUT_MAX_CHARS]


def run_output(run: RunResult) -> str:
    """What the program printed outside the tests (syntax errors and the like), as stored."""
    text = "\n".join(part for part in (run.stderr, run.stdout) if part.strip())
    return text[:RUN_OUTPUT_MAX_CHARS]


def submission_record_result(*, claim: Claim, result: GradeResult) -> bool:
    """Save a grading outcome as the final state with its per-test rows, then count it as a
    review of the exercise's card. Returns False when this claim lost its race (another claim
    finished or took over).

    The review runs after the verdict is committed, so the learner never waits for it; the row
    says `review = pending` until it is recorded, and the sweep finishes what a dead worker left.
    """
    state = FINAL_STATES.get(result.status, Submission.State.ERROR)
    mistake = ""
    if state != Submission.State.PASSED and claim.fingerprints:
        found = diagnose(
            failing=result.failing, total=len(result.tests), fingerprints=claim.fingerprints
        )
        mistake = found.mistake if found else ""
    run = result.run
    with transaction.atomic():
        updated = Submission.objects.filter(
            pk=claim.submission_id, state=Submission.State.RUNNING, attempts=claim.attempt
        ).update(
            state=state,
            retryable=False,
            message=(result.message or "")[:4000],
            verdict=run.verdict[:32],
            wall_ms=run.wall_ms,
            cpu_ms=run.cpu_ms,
            output=run_output(run),
            finished_at=timezone.now(),
            review=Submission.Review.PENDING if claim.card_id else Submission.Review.NONE,
            mistake=mistake[:200],
        )
        if not updated:
            logger.info("submission %s: claim %s lost its race", claim.submission_id, claim.attempt)
            return False
        TestResult.objects.bulk_create(
            TestResult(
                submission_id=claim.submission_id,
                position=position,
                name=test.name[:500],
                status=test.status,
                message=clipped(test.message),
                output=clipped(test.output),
                file=(test.file or "")[:100],
                is_example=(test.file or "").startswith("example_test"),
                line=test.line,
            )
            for position, test in enumerate(result.tests)
        )
    if claim.card_id:
        submission_review_record(submission_id=claim.submission_id, card_id=claim.card_id)
    return True


def submission_record_unavailable(*, claim: Claim, reason: str) -> bool:
    """The jail could not be built: an `error` the learner (and the sweep) may retry. The code
    never runs unconfined."""
    updated = Submission.objects.filter(
        pk=claim.submission_id, state=Submission.State.RUNNING, attempts=claim.attempt
    ).update(
        state=Submission.State.ERROR,
        retryable=True,
        verdict=SANDBOX_ERROR,
        message=f"The grader is unavailable right now ({reason}). Your code is saved; "
        "it will be graded again automatically, or you can retry now.",
        finished_at=timezone.now(),
    )
    return bool(updated)


def submission_review_record(*, submission_id: int, card_id: int | None = None) -> str:
    """Count a graded outcome as a review of the exercise's card: fail or error = Again,
    pass = Good, a first-try pass (no earlier graded submission, no give-up) = Easy.

    Idempotent (the study app's idempotency key is the submission), so the sweep may call it
    again for a row left `pending`. `card_id` is the card the worker's claim already looked up
    (saves a query on the grading path); without it the exercise's primary card is used. A
    failure in the study app is logged and marked on the row, never raised.
    """
    mine = {"user_id": OuterRef("user_id"), "exercise_id": OuterRef("exercise_id")}
    submission = (
        Submission.objects.select_related("user")
        # The review needs the learner's id and time zone (for the day it counts on), not the
        # whole account row.
        .only("pk", "state", "review", "created_at", "exercise_id", "user__time_zone")
        # A first try: no earlier graded submission (a retryable platform error does not
        # count) and no give-up before it. Asked in the same query as the row itself.
        .annotate(
            tried_before=Exists(
                Submission.objects.filter(**mine, pk__lt=OuterRef("pk")).exclude(
                    state=Submission.State.ERROR, retryable=True
                )
            ),
            gave_up_before=Exists(
                GiveUp.objects.filter(**mine, created_at__lt=OuterRef("created_at"))
            ),
            # Help taken before it caps the rating (apps/exercises/coaching.py).
            hints_before=Coalesce(
                Subquery(
                    HintReveal.objects.filter(
                        **mine, kind=HintReveal.Kind.HINT, created_at__lt=OuterRef("created_at")
                    )
                    .values("user_id")
                    .annotate(n=Count("pk"))
                    .values("n")
                ),
                0,
            ),
            saw_test_before=Exists(
                HintReveal.objects.filter(
                    **mine, kind=HintReveal.Kind.TEST, created_at__lt=OuterRef("created_at")
                )
            ),
        )
        .filter(pk=submission_id)
        .first()
    )
    if submission is None or submission.review != Submission.Review.PENDING:
        return submission.review if submission else ""
    if card_id is None:
        card_id = (
            ExerciseCard.objects.filter(exercise_id=submission.exercise_id)
            .order_by("position")
            .values_list("card_id", flat=True)
            .first()
        )
    if card_id is None:
        Submission.objects.filter(pk=submission_id).update(review=Submission.Review.NONE)
        return Submission.Review.NONE
    rating = review_rating(
        passed=submission.state == Submission.State.PASSED,
        first_try=not submission.tried_before,
        hints_taken=submission.hints_before,
        saw_test_or_solution=submission.saw_test_before or submission.gave_up_before,
    )
    try:
        review_record(
            user=submission.user,
            card=Card(pk=card_id),
            rating=rating,
            source=ReviewLog.Source.EXERCISE,
            idempotency_key=f"submission-{submission.pk}",
        )
    except Exception:
        logger.exception("submission %s: recording the card review failed", submission.pk)
        outcome = Submission.Review.FAILED
    else:
        outcome = Submission.Review.RECORDED
    Submission.objects.filter(pk=submission.pk).update(review=outcome)
    return outcome
