"""What a Celery worker does around the grading tasks, through Celery's signals: say at start
whether it can build the jail, keep the next jail built ahead in each pool process (built once a
verdict is recorded, used by the next run of the same shape), and tear it down when the process
stops.

The handlers are connected when this module is imported: ExercisesConfig.ready() imports it,
and every worker runs ready() (Celery's Django fix-up calls django.setup() before the pool
starts).
"""

from __future__ import annotations

import logging
from typing import Any

from celery import Task
from celery.signals import task_postrun, task_prerun, worker_process_shutdown, worker_ready
from django.conf import settings

from apps.exercises.tasks import grade_example_run, grade_submission
from apps.sandbox import SandboxUnavailable, preflight, warm_jail

logger = logging.getLogger(__name__)

# The tasks that run learners' code in the jail.
JAIL_TASKS = frozenset({grade_submission.name, grade_example_run.name})


@worker_ready.connect
def sandbox_preflight(sender: Any = None, **kwargs: Any) -> None:
    """Say loudly, at start, when this worker cannot build the jail. It keeps running: every
    submission it picks up is then marked a retryable `error` with the reason, never run
    unconfined."""
    try:
        preflight()
    except SandboxUnavailable as exc:
        banner = "!" * 72
        logger.critical(
            "\n%s\nSANDBOX UNAVAILABLE on this worker: %s\n"
            "Submissions will be marked `error` (retryable) until this is fixed.\n%s",
            banner,
            exc,
            banner,
        )
    else:
        logger.info("sandbox preflight passed: the jail can be built on this worker")


@task_prerun.connect
def keep_the_next_jail_warm(task: Task | None = None, **kwargs: Any) -> None:
    """From its first grading on, this worker process keeps the next jail built ahead, built
    after each verdict (see build_the_next_jail). Not for a task run eagerly in-process."""
    if task is None or task.name not in JAIL_TASKS:
        return
    if settings.SANDBOX_KEEP_WARM and not task.request.is_eager:
        warm_jail.start(build_after_each_run=False)


@task_postrun.connect
def build_the_next_jail(task: Task | None = None, **kwargs: Any) -> None:
    """The verdict is recorded: build the next jail now, while this process waits for work."""
    if task is None or task.name not in JAIL_TASKS:
        return
    if settings.SANDBOX_KEEP_WARM:
        warm_jail.build_next()


@worker_process_shutdown.connect
def sandbox_jail_teardown(**kwargs: Any) -> None:
    """A worker process that stops tears its waiting jail down and removes its box (a killed
    one leaves the box for the next process to remove, and the jail dies with it anyway)."""
    warm_jail.stop()
