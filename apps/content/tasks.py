"""Background work for the course: checking an exercise saved in the admin (runs in the jail,
so it is routed to the `sandbox` queue with the grading tasks)."""

from celery import shared_task

from apps.content import checks


@shared_task(
    acks_late=True,
    reject_on_worker_lost=True,
    ignore_result=True,
    # Each file is bounded by the exercise's own limits; this only stops a wedged worker.
    time_limit=900,
    soft_time_limit=840,
)
def exercise_check(exercise_id: int, token: str) -> str | None:
    return checks.exercise_check_run(exercise_id=exercise_id, token=token)
