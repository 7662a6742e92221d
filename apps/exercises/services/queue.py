"""The grading queue as the services see it: handing a row to the worker, and the rules the
sweep and the claims share for rows a dead worker or a down broker left behind.

Who imports whom: `apps/exercises/tasks.py` imports the services (a task claims, grades in the
jail and records through them). The services never import the tasks module at load time, which
would be a circle; they enqueue through `grading_tasks()` below and nowhere else.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from types import ModuleType

from django.conf import settings
from django.db.models import Q

from apps.exercises.models import Submission

# A row created moments ago may still be waiting for its on-commit publish: leave it alone.
PUBLISH_GRACE = timedelta(seconds=10)

QUEUE_UNAVAILABLE_MESSAGE = (
    "Your code is saved, but the grading queue is unreachable right now. "
    "It will be graded automatically as soon as the queue is back."
)


def grading_tasks() -> ModuleType:
    """The Celery tasks that grade submissions and example runs."""
    from apps.exercises import tasks  # enqueueing a task from the module the task calls

    return tasks


def stale_q(*, now: datetime) -> Q:
    """Rows the sweep hands out again: queued but never published (broker down) or waiting too
    long, and running with a claim older than the sweep's patience (worker killed mid-run)."""
    State = Submission.State
    queued_after = timedelta(seconds=settings.EXERCISE_SWEEP_QUEUED_AFTER_SECONDS)
    running_after = timedelta(seconds=settings.EXERCISE_SWEEP_RUNNING_AFTER_SECONDS)
    return (
        Q(state=State.QUEUED, enqueued_at__isnull=True, created_at__lt=now - PUBLISH_GRACE)
        | Q(state=State.QUEUED, enqueued_at__lt=now - queued_after)
        | (
            Q(state=State.RUNNING, started_at__lt=now - running_after)
            & (Q(enqueued_at__isnull=True) | Q(enqueued_at__lt=now - running_after))
        )
    )


def may_take_over(*, row, task_id: str, now: datetime) -> bool:
    """Whether a claim may take over a `running` row: the same task came back (Celery
    redelivered it after its worker died), or the row's claim is older than the sweep's
    patience (the sweep enqueued a new task for it)."""
    stale_before = now - timedelta(seconds=settings.EXERCISE_SWEEP_RUNNING_AFTER_SECONDS)
    redelivered = bool(task_id) and row.task_id == task_id
    stale = row.started_at is None or row.started_at < stale_before
    return redelivered or stale
