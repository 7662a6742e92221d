"""The bridge between the sandbox and the database: thin, idempotent tasks taking a primary key.

Routed to the `sandbox` queue (settings.CELERY_TASK_ROUTES); acks_late with reject-on-worker-lost,
so a worker killed mid-run hands the message back, and the claim (services/claims.py) makes
running it twice harmless. No result backend: outcomes are rows.

A task claims through the services, grades in the jail and records through the services; the
sandbox's GradeResult stays typed all the way. This module imports the services; they reach it
back only to enqueue, through services/queue.py.
"""

from __future__ import annotations

import functools
import logging
import os
import time

from celery import shared_task
from celery.contrib.django.task import DjangoTask
from django.db import InterfaceError, OperationalError, transaction

from apps.core.db_busy import is_database_busy
from apps.exercises import services
from apps.sandbox import GradeResult, Limits, grade

logger = logging.getLogger(__name__)

# Publishing happens inside a learner's request: give up fast when the broker is down (the row
# stays queued, and the sweep publishes it later) rather than hang the page.
PUBLISH_RETRY_POLICY = {
    "max_retries": 2,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.2,
}


DATABASE_BUSY_RETRY_SECONDS = 2
DATABASE_BUSY_RETRIES = 5  # then the sweep hands the submission out again


def _in_jail(claim: services.Claim | services.ExampleClaim) -> GradeResult:
    """Grade a claim's code in the jail. A jail that cannot be built comes back as a result
    (`unavailable_reason`), not an exception; an exception is a bug on our side."""
    limits = Limits.for_language(claim.language, **claim.limits)
    return grade(language=claim.language, code=claim.code, tests=claim.tests, limits=limits)


class SubmissionTask(DjangoTask):
    """`delay_on_commit` that never raises into the request that committed the row."""

    def publish(self, submission_id: int) -> None:
        """Send the task now; raises when the broker refuses it."""
        self.apply_async((submission_id,), retry=True, retry_policy=PUBLISH_RETRY_POLICY)

    def delay_on_commit(self, submission_id: int) -> None:
        transaction.on_commit(functools.partial(self._publish_or_mark, submission_id))

    def _publish_or_mark(self, submission_id: int) -> None:
        try:
            self.publish(submission_id)
        except Exception as exc:
            logger.warning(
                "broker unavailable (%s): submission %s stays queued for the sweep",
                exc,
                submission_id,
            )
            services.submission_mark_unpublished(submission_id=submission_id)


@shared_task(
    base=SubmissionTask,
    acks_late=True,
    reject_on_worker_lost=True,
    ignore_result=True,
    # The jail enforces the run's own wall limit; this only stops a wedged worker process.
    time_limit=300,
    soft_time_limit=240,
)
def grade_submission(submission_id: int) -> None:
    try:
        _grade(submission_id)
    except (OperationalError, InterfaceError) as exc:
        # The database busy for a moment (a lock, a restart): try again shortly rather than
        # leave the row `running` until the sweep's patience runs out. The same task id comes
        # back, so the claim takes the row over and grades it again.
        if not is_database_busy(exc):
            raise
        logger.warning("submission %s: database busy (%s); retrying", submission_id, exc)
        raise grade_submission.retry(
            exc=exc, countdown=DATABASE_BUSY_RETRY_SECONDS, max_retries=DATABASE_BUSY_RETRIES
        ) from exc


def _grade(submission_id: int) -> None:
    request = grade_submission.request
    claim = services.submission_claim(
        submission_id=submission_id,
        task_id=request.id or "",
        worker=f"{request.hostname or 'local'}:{os.getpid()}",
    )
    if claim is None:
        return
    fields = {"submission_id": submission_id, "attempt": claim.attempt}
    logger.info("submission %s: grading started", submission_id, extra=fields)
    started = time.perf_counter()
    try:
        result = _in_jail(claim)
    except Exception:
        # A bug on our side (or the soft time limit): the learner's code is not at fault.
        logger.exception("submission %s: grading crashed", submission_id)
        services.submission_record_unavailable(claim=claim, reason="internal grader error")
        return
    reason = result.unavailable_reason
    if reason is not None:
        logger.error("submission %s: sandbox error: %s", submission_id, reason)
        services.submission_record_unavailable(claim=claim, reason=reason)
        return
    services.submission_record_result(claim=claim, result=result)
    duration_ms = round((time.perf_counter() - started) * 1000)
    verdict = str(result.status)
    logger.info(
        "submission %s: %s in %s ms",
        submission_id,
        verdict,
        duration_ms,
        extra={**fields, "verdict": verdict, "duration_ms": duration_ms},
    )


class ExampleRunTask(SubmissionTask):
    """The same publishing rules, for "Run examples" rows."""

    def _publish_or_mark(self, run_id: int) -> None:
        try:
            self.publish(run_id)
        except Exception as exc:
            logger.warning("broker unavailable (%s): example run %s stays queued", exc, run_id)
            services.example_run_mark_unpublished(run_id=run_id)


@shared_task(
    base=ExampleRunTask,
    acks_late=True,
    reject_on_worker_lost=True,
    ignore_result=True,
    time_limit=300,
    soft_time_limit=240,
)
def grade_example_run(run_id: int) -> None:
    """Grade an ExampleRun against the example tests only: no review, no TestResult rows."""
    request = grade_example_run.request
    try:
        claim = services.example_run_claim(
            run_id=run_id,
            task_id=request.id or "",
            worker=f"{request.hostname or 'local'}:{os.getpid()}",
        )
        if claim is None:
            return
        try:
            result = _in_jail(claim)
        except Exception:
            logger.exception("example run %s: grading crashed", run_id)
            services.example_run_record_unavailable(claim=claim, reason="internal error")
            return
        reason = result.unavailable_reason
        if reason is not None:
            services.example_run_record_unavailable(claim=claim, reason=reason)
            return
        services.example_run_record_result(claim=claim, result=result)
    except (OperationalError, InterfaceError) as exc:
        if not is_database_busy(exc):
            raise
        raise grade_example_run.retry(
            exc=exc, countdown=DATABASE_BUSY_RETRY_SECONDS, max_retries=DATABASE_BUSY_RETRIES
        ) from exc


@shared_task(ignore_result=True)
def submissions_sweep() -> dict:
    summary = services.submissions_sweep()
    example_runs_requeued = services.example_runs_sweep()
    return {
        "requeued": summary.requeued,
        "retried": summary.retried,
        "reviewed": summary.reviewed,
        "example_runs_requeued": example_runs_requeued,
    }
