"""Example runs ("Run examples"): the learner's code against the exercise's visible example tests
only. Writes and reads for the ExampleRun table, kept beside services.py and selectors.py (which
own submissions) rather than inside them, because nothing here touches a submission.

An example run is free: it is not an attempt, records no review and is not held to the
per-minute submission cap, only to its own, more generous one (EXERCISE_EXAMPLE_RUNS_PER_MINUTE).
It goes through the same worker and jail as a submission, as a row the page polls, so a worker
that dies mid-run loses nothing: the periodic sweep hands a stale row out again, and after
EXERCISE_MAX_ATTEMPTS claims it is closed as an error.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count, F, Min, Q
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone

from apps.content.models import Exercise
from apps.exercises.models import ExampleRun, Submission, TestResult
from apps.exercises.services import (
    PUBLISH_GRACE,
    QUEUE_UNAVAILABLE_MESSAGE,
    RESULT_OUTPUT_MAX_CHARS,
    SubmissionRefused,
    _normalise,
    _run_output,
)
from apps.sandbox.protocol import learner_line

logger = logging.getLogger(__name__)

State = ExampleRun.State
# A finished run is kept this long (the page without JavaScript links to it), then swept away.
EXAMPLE_RUN_KEEP = timedelta(days=7)


@dataclass(frozen=True)
class ExampleResult:
    """One row of an example run's table, shaped like a TestResult for the template."""

    name: str
    status: str
    message: str = ""
    output: str = ""
    is_example: bool = True

    @property
    def passed(self) -> bool:
        return self.status == TestResult.Status.PASS

    @property
    def code_line(self) -> int | None:
        return None if self.passed else learner_line(self.message)


@dataclass
class ExampleClaim:
    run_id: int
    attempt: int
    language: str
    code: str
    tests: dict[str, str]
    limits: dict[str, Any]


def example_run_create(*, user, exercise: Exercise, code: str) -> ExampleRun:
    """Queue the learner's code against the example tests. Raises SubmissionRefused (nothing
    saved) for empty or oversized code, a run of this exercise still in flight, or more than
    EXERCISE_EXAMPLE_RUNS_PER_MINUTE example runs in the last minute. Submissions are neither
    read nor counted."""
    code = _normalise(code)
    max_bytes = settings.EXERCISE_CODE_MAX_BYTES
    size = len(code.encode())
    if not code.strip():
        raise SubmissionRefused("There is no code to run yet.", reason="empty")
    if size > max_bytes:
        raise SubmissionRefused(
            f"Your code is {size // 1024} KB; runs are limited to {max_bytes // 1024} KB.",
            reason="too_large",
        )
    per_minute = settings.EXERCISE_EXAMPLE_RUNS_PER_MINUTE
    since = timezone.now() - timedelta(minutes=1)
    counts = ExampleRun.objects.filter(user=user).aggregate(
        recent=Count("pk", filter=Q(created_at__gte=since)),
        oldest_recent=Min("created_at", filter=Q(created_at__gte=since)),
        in_flight=Count("pk", filter=Q(exercise=exercise, state__in=Submission.IN_FLIGHT)),
    )
    in_flight = SubmissionRefused(
        "Your examples are still running. Wait for their result, then run them again.",
        reason="in_flight",
    )
    if counts["in_flight"]:
        raise in_flight
    if counts["recent"] >= per_minute:
        left = counts["oldest_recent"] + timedelta(minutes=1) - timezone.now()
        raise SubmissionRefused(
            f"You have run the examples {per_minute} times in the last minute. "
            f"Try again in {max(1, int(left.total_seconds()) + 1)} seconds.",
            reason="rate_limited",
        )
    try:
        with transaction.atomic():
            run = ExampleRun.objects.create(
                user=user, exercise=exercise, code=code, enqueued_at=timezone.now()
            )
            _enqueue_on_commit(run.pk)
    except IntegrityError as exc:  # a concurrent post won the one-in-flight constraint
        raise in_flight from exc
    return run


def _enqueue_on_commit(run_id: int) -> None:
    from apps.exercises.tasks import grade_example_run

    grade_example_run.delay_on_commit(run_id)


def example_run_mark_unpublished(*, run_id: int) -> None:
    ExampleRun.objects.filter(pk=run_id, state=State.QUEUED).update(
        enqueued_at=None, message=QUEUE_UNAVAILABLE_MESSAGE
    )


def example_run_claim(*, run_id: int, task_id: str, worker: str) -> ExampleClaim | None:
    """Mark the run `running` for this task and return what grading needs, or None when there is
    nothing to do. A `running` row is taken over by the same task coming back (redelivery after
    a worker died) or once its claim is older than the sweep's patience."""
    now = timezone.now()
    stale_before = now - timedelta(seconds=settings.EXERCISE_SWEEP_RUNNING_AFTER_SECONDS)
    with transaction.atomic():
        run = (
            ExampleRun.objects.select_related("exercise")
            .select_for_update(of=("self",))
            .filter(pk=run_id)
            .first()
        )
        if run is None or not run.is_in_flight:
            return None
        if run.state == State.RUNNING:
            redelivered = bool(task_id) and run.task_id == task_id
            stale = run.started_at is None or run.started_at < stale_before
            if not (redelivered or stale):
                return None
        if run.attempts >= settings.EXERCISE_MAX_ATTEMPTS:
            ExampleRun.objects.filter(pk=run.pk).update(
                state=State.ERROR,
                message=f"Running the examples was interrupted {run.attempts} times, so we "
                "stopped trying. Check your code for anything that could crash the grader.",
                finished_at=now,
            )
            return None
        ExampleRun.objects.filter(pk=run.pk).update(
            state=State.RUNNING,
            attempts=F("attempts") + 1,
            task_id=task_id[:64],
            worker=worker[:200],
            started_at=now,
            message="",
        )
    exercise = run.exercise
    return ExampleClaim(
        run_id=run.pk,
        attempt=run.attempts + 1,
        language=exercise.language,
        code=run.code,
        tests={f"example_test.{exercise.extension}": exercise.example_tests},
        limits=dict(exercise.limits or {}),
    )


def example_run_record_result(*, claim: ExampleClaim, result: dict[str, Any]) -> bool:
    """Save the outcome (the sandbox's GradeResult as a dict). No review, no TestResult rows."""
    run = result.get("run") or {}
    state = {"pass": State.PASSED, "fail": State.FAILED}.get(result.get("status"), State.ERROR)
    rows = [
        {
            "name": str(test.get("name", ""))[:500],
            "status": test.get("status")
            if test.get("status") in TestResult.Status.values
            else TestResult.Status.ERROR,
            "message": str(test.get("message") or "")[:RESULT_OUTPUT_MAX_CHARS],
            "output": str(test.get("output") or "")[:RESULT_OUTPUT_MAX_CHARS],
        }
        for test in result.get("tests") or []
    ]
    return bool(
        ExampleRun.objects.filter(
            pk=claim.run_id, state=State.RUNNING, attempts=claim.attempt
        ).update(
            state=state,
            message=(result.get("message") or "")[:4000],
            verdict=(run.get("verdict") or "")[:32],
            wall_ms=run.get("wall_ms"),
            output=_run_output(run),
            results=rows,
            finished_at=timezone.now(),
        )
    )


def example_run_record_unavailable(*, claim: ExampleClaim, reason: str) -> bool:
    return bool(
        ExampleRun.objects.filter(
            pk=claim.run_id, state=State.RUNNING, attempts=claim.attempt
        ).update(
            state=State.ERROR,
            verdict="sandbox_error",
            message=f"The grader is unavailable right now ({reason}). "
            "Run the examples again in a moment.",
            finished_at=timezone.now(),
        )
    )


def example_runs_sweep(*, now: datetime | None = None, limit: int = 200) -> list[int]:
    """Publish again the runs a dead worker or a down broker left queued or running, and delete
    finished runs older than EXAMPLE_RUN_KEEP (nothing reads them: they are no attempt)."""
    now = now or timezone.now()
    expired = ExampleRun.objects.exclude(state__in=Submission.IN_FLIGHT).filter(
        created_at__lt=now - EXAMPLE_RUN_KEEP
    )
    ExampleRun.objects.filter(pk__in=list(expired.values_list("pk", flat=True)[:limit])).delete()
    queued_after = timedelta(seconds=settings.EXERCISE_SWEEP_QUEUED_AFTER_SECONDS)
    running_after = timedelta(seconds=settings.EXERCISE_SWEEP_RUNNING_AFTER_SECONDS)
    stale = ExampleRun.objects.filter(
        Q(state=State.QUEUED, enqueued_at__isnull=True, created_at__lt=now - PUBLISH_GRACE)
        | Q(state=State.QUEUED, enqueued_at__lt=now - queued_after)
        | (
            Q(state=State.RUNNING, started_at__lt=now - running_after)
            & (Q(enqueued_at__isnull=True) | Q(enqueued_at__lt=now - running_after))
        )
    )
    from apps.exercises.tasks import grade_example_run

    requeued = []
    for pk in stale.order_by("created_at").values_list("pk", flat=True)[:limit]:
        try:
            grade_example_run.publish(pk)
        except Exception as exc:
            logger.warning("sweep: the broker refused example run %s (%s)", pk, exc)
            example_run_mark_unpublished(run_id=pk)
            break
        ExampleRun.objects.filter(pk=pk, state__in=Submission.IN_FLIGHT).update(
            enqueued_at=now, message=""
        )
        requeued.append(pk)
    return requeued


# Reads


def example_run_in_flight(*, user, exercise: Exercise) -> ExampleRun | None:
    """The learner's example run of this exercise still queued or running, if any."""
    run = ExampleRun.objects.filter(user=user, exercise=exercise).in_flight().first()
    if run is not None:
        run.rows, run.tests_passed, run.tests_total = [], 0, 0
    return run


def example_run_get(*, user, run_id: int) -> ExampleRun:
    """The user's own example run with `.rows` (ExampleResult) and pass counts; 404 otherwise."""
    if not user.is_authenticated:
        raise Http404
    run = get_object_or_404(
        ExampleRun.objects.filter(user=user).select_related("exercise"), pk=run_id
    )
    run.rows = [ExampleResult(**row) for row in run.results or []]
    run.tests_passed = sum(row.passed for row in run.rows)
    run.tests_total = len(run.rows)
    return run
