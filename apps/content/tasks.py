"""Background work for the course: checking an exercise saved in the admin, and recording the
wrong solutions' fingerprints a fresh database lacks (both run in the jail, so they are routed
to the `sandbox` queue with the grading tasks)."""

import logging

from celery import shared_task
from celery.signals import worker_ready
from django.conf import settings

from apps.exercises import proving

logger = logging.getLogger(__name__)


@shared_task(
    acks_late=True,
    reject_on_worker_lost=True,
    ignore_result=True,
    # Each file is bounded by the exercise's own limits; this only stops a wedged worker.
    time_limit=900,
    soft_time_limit=840,
)
def exercise_check(exercise_id: int, token: str) -> str | None:
    return proving.exercise_check_run(exercise_id=exercise_id, token=token)


@shared_task(acks_late=True, ignore_result=True, time_limit=900, soft_time_limit=840)
def exercise_fingerprints_fill(exercise_id: int) -> int:
    return proving.exercise_fingerprints_fill(exercise_id=exercise_id)


@worker_ready.connect
def fingerprints_fill_missing(sender=None, **kwargs) -> None:
    """A worker that starts on a database without fingerprints (the first `make run`, or
    content changed since `check_exercises` last ran) records them in the background, so a
    learner's classic mistake is named without anyone running `check_exercises` by hand."""
    if not settings.EXERCISE_FINGERPRINTS_ON_START:
        return
    try:
        missing = proving.exercises_missing_fingerprints()
        for exercise_id in missing:
            exercise_fingerprints_fill.apply_async((exercise_id,), retry=False)
    except Exception:  # never stop a worker from starting
        logger.exception("could not queue the missing fingerprints")
        return
    if missing:
        logger.info("recording the fingerprints of %s exercise(s) in the background", len(missing))
