"""Every write to submissions: creating one (with the learner's limits), claiming it for grading,
saving its results, retrying it, and the periodic sweep that keeps nothing stuck.

State changes are guarded UPDATEs (`WHERE state = ...`), so two copies of the grading task
(a redelivery racing a sweep, say) can both run and only one of them writes a result.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count, Exists, F, Min, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from apps.content.models import Card, Exercise, ExerciseCard
from apps.exercises.coaching import diagnose, review_rating
from apps.exercises.models import GiveUp, HintReveal, Submission, TestResult
from apps.study.services import review_record

logger = logging.getLogger(__name__)

RESULT_OUTPUT_MAX_CHARS = 8_000
RUN_OUTPUT_MAX_CHARS = 8_000
# A row created moments ago may still be waiting for its on-commit publish: leave it alone.
PUBLISH_GRACE = timedelta(seconds=10)
# A review is recorded right after its verdict; only a dead worker leaves one pending longer.
REVIEW_GRACE = timedelta(seconds=60)

QUEUE_UNAVAILABLE_MESSAGE = (
    "Your code is saved, but the grading queue is unreachable right now. "
    "It will be graded automatically as soon as the queue is back."
)


class SubmissionRefused(Exception):
    """A submission the learner may not make now; `str(exc)` is the message to show them."""

    def __init__(self, message: str, *, reason: str):
        super().__init__(message)
        self.message = message
        self.reason = reason  # "in_flight", "rate_limited", "too_large", "empty"


@dataclass
class Claim:
    """A worker's claim on a submission: what it needs to grade it and to write the result."""

    submission_id: int
    attempt: int
    language: str
    code: str
    tests: dict[str, str]
    limits: dict[str, Any]
    card_id: int | None = None  # the card whose review the outcome counts as
    # The wrong solutions' fingerprints, read with the exercise row (no query of their own).
    fingerprints: dict[str, Any] = field(default_factory=dict)


@dataclass
class SweepSummary:
    requeued: list[int] = field(default_factory=list)
    retried: list[int] = field(default_factory=list)
    reviewed: list[int] = field(default_factory=list)
    broker_down: bool = False


def _normalise(code: str) -> str:
    # Browsers submit textareas with CRLF line endings.
    return code.replace("\r\n", "\n").replace("\r", "\n")


def submission_create(*, user, exercise: Exercise, code: str) -> Submission:
    """Save the learner's code as a `queued` submission and enqueue its grading after commit.

    Raises SubmissionRefused (nothing saved) when the code is empty or too large, when this
    learner already has a submission in flight for the exercise, or after too many submissions
    in the last minute.
    """
    code = _normalise(code)
    max_bytes = settings.EXERCISE_CODE_MAX_BYTES
    size = len(code.encode())
    if not code.strip():
        raise SubmissionRefused("There is no code to run yet.", reason="empty")
    if size > max_bytes:
        raise SubmissionRefused(
            f"Your code is {size // 1024} KB; submissions are limited to {max_bytes // 1024} KB. "
            "Trim it down and run the tests again.",
            reason="too_large",
        )
    per_minute = settings.EXERCISE_SUBMISSIONS_PER_MINUTE
    since = timezone.now() - timedelta(minutes=1)
    counts = Submission.objects.filter(user=user).aggregate(
        recent=Count("pk", filter=Q(created_at__gte=since)),
        oldest_recent=Min("created_at", filter=Q(created_at__gte=since)),
        in_flight=Count("pk", filter=Q(exercise=exercise, state__in=Submission.IN_FLIGHT)),
        retryable=Count("pk", filter=Q(exercise=exercise, retryable=True)),
    )
    in_flight = SubmissionRefused(
        "Your previous run of this exercise is still being graded. "
        "Wait for its result, then run the tests again.",
        reason="in_flight",
    )
    if counts["in_flight"]:
        raise in_flight
    if counts["recent"] >= per_minute:
        left = counts["oldest_recent"] + timedelta(minutes=1) - timezone.now()
        raise SubmissionRefused(
            f"You have run the tests {per_minute} times in the last minute. "
            f"Take a breath and try again in {max(1, int(left.total_seconds()) + 1)} seconds.",
            reason="rate_limited",
        )
    try:
        with transaction.atomic():
            if counts["retryable"]:
                # Older platform errors are superseded by the new code: never regrade them.
                Submission.objects.filter(
                    user=user, exercise=exercise, state=Submission.State.ERROR, retryable=True
                ).update(retryable=False)
            submission = Submission.objects.create(
                user=user, exercise=exercise, code=code, enqueued_at=timezone.now()
            )
            _enqueue_on_commit(submission.pk)
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


def _enqueue_on_commit(submission_id: int) -> None:
    from apps.exercises.tasks import grade_submission

    grade_submission.delay_on_commit(submission_id)


def submission_mark_unpublished(*, submission_id: int) -> None:
    """The broker refused the grading task: keep the row queued, say so, let the sweep retry."""
    Submission.objects.filter(pk=submission_id, state=Submission.State.QUEUED).update(
        enqueued_at=None, message=QUEUE_UNAVAILABLE_MESSAGE
    )


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

    stale_before = now - timedelta(seconds=settings.EXERCISE_SWEEP_RUNNING_AFTER_SECONDS)
    with transaction.atomic():
        submission = _claimable(submission_id).select_for_update(of=("self",)).first()
        if submission is None or submission.state not in Submission.IN_FLIGHT:
            return None
        if submission.state == Submission.State.RUNNING:
            redelivered = bool(task_id) and submission.task_id == task_id
            stale = submission.started_at is None or submission.started_at < stale_before
            if not (redelivered or stale):
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
        card_id=submission.card_id,
        fingerprints=exercise.fingerprints or {},
    )


def submission_record_result(*, claim: Claim, result: dict[str, Any]) -> bool:
    """Save a grading outcome (the sandbox's GradeResult.to_dict(): status, message, tests,
    run) as the final state with its per-test rows, then count it as a review of the exercise's
    card. Returns False when this claim lost its race (another claim finished or took over).

    The review runs after the verdict is committed, so the learner never waits for it; the row
    says `review = pending` until it is recorded, and the sweep finishes what a dead worker left.
    """
    status = result.get("status")
    run = result.get("run") or {}
    state = {
        "pass": Submission.State.PASSED,
        "fail": Submission.State.FAILED,
    }.get(status, Submission.State.ERROR)
    mistake = ""
    if state != Submission.State.PASSED and claim.fingerprints:
        tests = result.get("tests") or []
        failing = {
            str(t.get("name", ""))[:500]: t.get("message") or ""
            for t in tests
            if t.get("status") != "pass"
        }
        found = diagnose(failing=failing, total=len(tests), fingerprints=claim.fingerprints)
        mistake = found.mistake if found else ""
    with transaction.atomic():
        updated = Submission.objects.filter(
            pk=claim.submission_id, state=Submission.State.RUNNING, attempts=claim.attempt
        ).update(
            state=state,
            retryable=False,
            message=(result.get("message") or "")[:4000],
            verdict=(run.get("verdict") or "")[:32],
            wall_ms=run.get("wall_ms"),
            cpu_ms=run.get("cpu_ms"),
            output=_run_output(run),
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
                name=str(test.get("name", ""))[:500],
                status=test.get("status")
                if test.get("status") in TestResult.Status.values
                else TestResult.Status.ERROR,
                message=str(test.get("message") or "")[:RESULT_OUTPUT_MAX_CHARS],
                output=str(test.get("output") or "")[:RESULT_OUTPUT_MAX_CHARS],
                file=str(test.get("file") or "")[:100],
                is_example=str(test.get("file") or "").startswith("example_test"),
            )
            for position, test in enumerate(result.get("tests") or [])
        )
    if claim.card_id:
        submission_review_record(submission_id=claim.submission_id, card_id=claim.card_id)
    return True


def _run_output(run: dict[str, Any]) -> str:
    parts = [run.get("stderr") or "", run.get("stdout") or ""]
    text = "\n".join(part for part in parts if part.strip())
    return text[:RUN_OUTPUT_MAX_CHARS]


def submission_record_unavailable(*, claim: Claim, reason: str) -> bool:
    """The jail could not be built: an `error` the learner (and the sweep) may retry. The code
    never runs unconfined."""
    updated = Submission.objects.filter(
        pk=claim.submission_id, state=Submission.State.RUNNING, attempts=claim.attempt
    ).update(
        state=Submission.State.ERROR,
        retryable=True,
        verdict="sandbox_error",
        message=f"The grader is unavailable right now ({reason}). Your code is saved; "
        "it will be graded again automatically, or you can retry now.",
        finished_at=timezone.now(),
    )
    return bool(updated)


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
                _enqueue_on_commit(submission.pk)
    except IntegrityError as exc:
        raise SubmissionRefused(
            "Another run of this exercise is still being graded.", reason="in_flight"
        ) from exc
    submission.refresh_from_db()
    return submission


class HintUnavailable(Exception):
    """No further rung can be revealed now; `str(exc)` says why, for the learner."""


def hint_reveal(*, user, exercise: Exercise) -> HintReveal:
    """Reveal the next rung of help: the next hint, then the code of the first hidden test the
    learner's latest graded submission fails. (The last rung, the solution, is a give-up.)
    Idempotent under a double click: the rung number is unique per learner and exercise."""
    taken = HintReveal.objects.filter(user=user, exercise=exercise).count()
    hints = list(exercise.hints or [])
    rung = taken + 1
    if rung <= len(hints):
        fields = {"kind": HintReveal.Kind.HINT}
    elif rung == len(hints) + 1:
        failing = (
            TestResult.objects.filter(
                submission__user=user,
                submission__exercise=exercise,
                submission__state__in=(Submission.State.FAILED, Submission.State.ERROR),
                submission__retryable=False,
                is_example=False,
            )
            .exclude(status=TestResult.Status.PASS)
            .order_by("-submission__created_at", "-submission_id", "position")
            .values_list("name", "submission_id")
            .first()
        )
        latest = (
            Submission.objects.filter(user=user, exercise=exercise)
            .final()
            .exclude(state=Submission.State.ERROR, retryable=True)
            .values_list("pk", flat=True)
            .first()
        )
        if failing is None or failing[1] != latest:
            raise HintUnavailable(
                "Submit your code first: this step shows the code of the first hidden test "
                "your latest submission fails."
            )
        fields = {"kind": HintReveal.Kind.TEST, "test_name": failing[0]}
    else:
        raise HintUnavailable("You have taken every hint; the last step is the solution.")
    try:
        with transaction.atomic():
            return HintReveal.objects.create(user=user, exercise=exercise, rung=rung, **fields)
    except IntegrityError:  # a second click raced this one: the rung is already revealed
        return HintReveal.objects.get(user=user, exercise=exercise, rung=rung)


def exercise_give_up(*, user, exercise: Exercise) -> GiveUp:
    """Record that the learner asked for the reference solution (idempotent)."""
    give_up, _ = GiveUp.objects.get_or_create(user=user, exercise=exercise)
    return give_up


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
    queued_after = timedelta(seconds=settings.EXERCISE_SWEEP_QUEUED_AFTER_SECONDS)
    running_after = timedelta(seconds=settings.EXERCISE_SWEEP_RUNNING_AFTER_SECONDS)
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

    stale = Submission.objects.filter(
        Q(state=State.QUEUED, enqueued_at__isnull=True, created_at__lt=now - PUBLISH_GRACE)
        | Q(state=State.QUEUED, enqueued_at__lt=now - queued_after)
        | (
            Q(state=State.RUNNING, started_at__lt=now - running_after)
            & (Q(enqueued_at__isnull=True) | Q(enqueued_at__lt=now - running_after))
        )
    )
    stale_ids = list(stale.order_by("created_at").values_list("pk", flat=True)[:limit])
    from apps.exercises.tasks import grade_submission

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
            source="exercise",
            idempotency_key=f"submission-{submission.pk}",
        )
    except Exception:
        logger.exception("submission %s: recording the card review failed", submission.pk)
        outcome = Submission.Review.FAILED
    else:
        outcome = Submission.Review.RECORDED
    Submission.objects.filter(pk=submission.pk).update(review=outcome)
    return outcome
