"""Example runs ("Run examples"): the learner's code against the exercise's visible example tests
only. The writes for the ExampleRun table (its reads are in selectors.py); nothing here touches
a submission.

An example run is free: it is not an attempt, records no review and is not held to the
per-minute submission cap, only to its own, more generous one (EXERCISE_EXAMPLE_RUNS_PER_MINUTE).
It goes through the same worker and jail as a submission, as a row the page polls, so a worker
that dies mid-run loses nothing: the periodic sweep hands a stale row out again, and after
EXERCISE_MAX_ATTEMPTS claims it is closed as an error.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from apps.content.models import Exercise
from apps.exercises.models import ExampleRun, Submission
from apps.exercises.services.caps import (
    SubmissionRefused,
    code_normalised,
    code_size_check,
    per_minute_cap_check,
    recent_runs,
)
from apps.exercises.services.queue import (
    QUEUE_UNAVAILABLE_MESSAGE,
    grading_tasks,
    may_take_over,
    stale_q,
)
from apps.exercises.services.recording import FINAL_STATES, clipped, run_output
from apps.sandbox.results import SANDBOX_ERROR, GradeResult

logger = logging.getLogger(__name__)

State = ExampleRun.State
# A finished run is kept this long (the page without JavaScript links to it), then swept away.
EXAMPLE_RUN_KEEP = timedelta(days=7)


@dataclass
class ExampleClaim:
    run_id: int
    attempt: int
    language: str
    code: str
    tests: dict[str, str]
    limits: dict[str, Any]  # the exercise's overrides of the language's default limits


def example_run_create(*, user, exercise: Exercise, code: str) -> ExampleRun:
    """Queue the learner's code against the example tests. Raises SubmissionRefused (nothing
    saved) for empty or oversized code, a run of this exercise still in flight, or more than
    EXERCISE_EXAMPLE_RUNS_PER_MINUTE example runs in the last minute. Submissions are neither
    read nor counted."""
    code = code_normalised(code)
    code_size_check(code=code, too_large="Your code is {size} KB; runs are limited to {limit} KB.")
    runs = recent_runs(rows=ExampleRun.objects.filter(user=user), exercise=exercise)
    in_flight = SubmissionRefused(
        "Your examples are still running. Wait for their result, then run them again.",
        reason="in_flight",
    )
    if runs.in_flight:
        raise in_flight
    per_minute_cap_check(
        runs=runs,
        per_minute=settings.EXERCISE_EXAMPLE_RUNS_PER_MINUTE,
        refusal="You have run the examples {per_minute} times in the last minute. "
        "Try again in {seconds} seconds.",
    )
    try:
        with transaction.atomic():
            run = ExampleRun.objects.create(
                user=user, exercise=exercise, code=code, enqueued_at=timezone.now()
            )
            grading_tasks().grade_example_run.delay_on_commit(run.pk)
    except IntegrityError as exc:  # a concurrent post won the one-in-flight constraint
        raise in_flight from exc
    return run


def example_run_mark_unpublished(*, run_id: int) -> None:
    ExampleRun.objects.filter(pk=run_id, state=State.QUEUED).update(
        enqueued_at=None, message=QUEUE_UNAVAILABLE_MESSAGE
    )


def example_run_claim(*, run_id: int, task_id: str, worker: str) -> ExampleClaim | None:
    """Mark the run `running` for this task and return what grading needs, or None when there is
    nothing to do. A `running` row is taken over by the same task coming back (redelivery after
    a worker died) or once its claim is older than the sweep's patience."""
    now = timezone.now()
    with transaction.atomic():
        run = (
            ExampleRun.objects.select_related("exercise")
            .select_for_update(of=("self",))
            .filter(pk=run_id)
            .first()
        )
        if run is None or not run.is_in_flight:
            return None
        if run.state == State.RUNNING and not may_take_over(row=run, task_id=task_id, now=now):
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


def example_run_record_result(*, claim: ExampleClaim, result: GradeResult) -> bool:
    """Save the outcome: the state, and the tests as the rows the page shows (ExampleRun.results
    stores each test's JSON contract, its message and output clipped). No review, no TestResult
    rows."""
    rows = [
        replace(test, message=clipped(test.message), output=clipped(test.output)).to_dict()
        for test in result.tests
    ]
    return bool(
        ExampleRun.objects.filter(
            pk=claim.run_id, state=State.RUNNING, attempts=claim.attempt
        ).update(
            state=FINAL_STATES.get(result.status, State.ERROR),
            message=(result.message or "")[:4000],
            verdict=result.run.verdict[:32],
            wall_ms=result.run.wall_ms,
            output=run_output(result.run),
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
            verdict=SANDBOX_ERROR,
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
    stale = ExampleRun.objects.filter(stale_q(now=now))
    grade_example_run = grading_tasks().grade_example_run
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
