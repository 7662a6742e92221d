"""The database locked for a while by another client: SQLite's write lock (BEGIN EXCLUSIVE on
the test database's file) or, on PostgreSQL, the same tables locked in ACCESS EXCLUSIVE mode.

- A lock of a few seconds: learners submitting and rating a card, and the worker writing a
  verdict, wait and succeed (SQLite's busy timeout, PostgreSQL's lock queue).
- A lock that outlasts the web side's patience: the learner gets a "busy, try again" page with
  HTTP 503, never the 500 page, nothing is saved half-way, and sending it again works.
- The worker's write failing on the lock: the task retries a few times (tests/exercises/
  test_tasks.py); when the lock outlasts those too, the sweep hands the submission out again and
  it ends graded, once.
"""

from __future__ import annotations

import contextlib
import sqlite3
import threading
import time
from datetime import timedelta

import pytest
from django.conf import settings
from django.db import connection
from django.urls import reverse

from apps.exercises.models import Submission
from apps.study.models import ReviewLog
from tests.factories import ExerciseFactory
from tests.faults.common import ADDS, assert_graded_once, submit, wait_final

# Half a second of work each time the tests load it (a counted loop: the harness fakes the
# clock), so the worker is mid-grade when the lock starts.
SLOW_ADDS = (
    "let s = 0;\n"
    "for (let i = 0; i < 2e7; i++) s = (s + i * i) % 1000003;\n"
    "module.exports = { add: (a, b) => a + b, s };\n"
)
HOLD_SECONDS = 4
# The tables a submission, a card rating and a verdict write to (PostgreSQL locks tables).
TABLES = ["exercises_submission", "exercises_testresult", "study_reviewlog", "study_cardstate"]
BUSY = "The portal is busy right now"


class DatabaseLock:
    """Another client of the test database holding its write lock until release()."""

    def __init__(self):
        self.released = threading.Event()
        self._conn = None

    def acquire(self) -> DatabaseLock:
        params = connection.settings_dict
        if connection.vendor == "sqlite":
            self._conn = sqlite3.connect(
                params["NAME"], timeout=30, isolation_level=None, check_same_thread=False
            )
            self._conn.execute("BEGIN EXCLUSIVE")
        elif connection.vendor == "postgresql":
            import psycopg

            self._conn = psycopg.connect(
                dbname=params["NAME"],
                user=params["USER"] or None,
                password=params["PASSWORD"] or None,
                host=params["HOST"] or None,
                port=params["PORT"] or None,
            )
            self._conn.execute("SET lock_timeout = '30s'")
            self._conn.execute(f"LOCK TABLE {', '.join(TABLES)} IN ACCESS EXCLUSIVE MODE")
        else:  # pragma: no cover - the suite runs on SQLite and PostgreSQL
            pytest.fail(f"no lock for {connection.vendor}")
        return self

    def release(self) -> None:
        if self._conn is not None:
            self._conn.rollback()
            self._conn.close()
            self._conn = None
        self.released.set()

    def release_after(self, seconds: float) -> threading.Thread:
        thread = threading.Thread(target=lambda: (time.sleep(seconds), self.release()))
        thread.start()
        return thread


@contextlib.contextmanager
def short_patience():
    """This process's connection (the test client's requests) gives up on a lock after 0.3 s,
    as a request would after the configured busy timeout."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("PRAGMA busy_timeout = 300")
        else:
            cursor.execute("SET lock_timeout = '300ms'")
    try:
        yield
    finally:
        connection.close()  # the next query reconnects with the configured patience


def rate(client, card, *, key: str, htmx: bool = False):
    return client.post(
        reverse("study:rate", args=[card.slug]),
        {"rating": 3, "idempotency_key": key, "context": "lesson"},
        headers={"HX-Request": "true"} if htmx else {},
    )


@pytest.mark.usefixtures("nothing_left_in_flight")
def test_a_brief_lock_makes_learners_and_the_worker_wait_then_succeed(grading_stack, learners):
    exercise = ExerciseFactory(language="javascript")
    card = exercise.primary_card
    (_, grading), (_, submitting), (rater, rating) = learners(3)
    busy = submit(grading, exercise, SLOW_ADDS)

    def running():
        busy.refresh_from_db()
        return busy.state == Submission.State.RUNNING

    from tests.integration.stack import wait_for

    wait_for(running, timeout=60, interval=0.05, what="the worker to start grading")
    lock = DatabaseLock().acquire()
    lock.release_after(HOLD_SECONDS)  # meanwhile the worker finishes and writes its verdict

    submitted = submit(submitting, exercise, ADDS)  # waits for the lock, then goes through
    assert lock.released.is_set(), "the submission was saved while the lock was held?"
    rated = rate(rating, card, key="brief-lock-rating")
    assert rated.status_code == 302, rated.content.decode()[:2000]

    graded = wait_final(busy, submitted)
    assert [s.state for s in graded] == [Submission.State.PASSED] * 2, [
        (s.state, s.message) for s in graded
    ]
    for submission in graded:
        assert_graded_once(submission)
    assert ReviewLog.objects.filter(user=rater, idempotency_key="brief-lock-rating").count() == 1


def test_a_lock_outlasting_the_patience_is_a_busy_page_with_503_never_a_500(
    grading_stack, learners, nothing_left_in_flight
):
    exercise = ExerciseFactory(language="javascript")
    card = exercise.primary_card
    ((learner, client),) = learners(1)
    lock = DatabaseLock().acquire()
    try:
        with short_patience():
            page = client.post(reverse("exercises:submit", args=[exercise.slug]), {"code": ADDS})
            assert page.status_code == 503, page.content.decode()[:2000]
            assert BUSY in page.content.decode() and page["Retry-After"]
            partial = client.post(
                reverse("exercises:submit", args=[exercise.slug]),
                {"code": ADDS},
                headers={"HX-Request": "true"},
            )
            assert partial.status_code == 503 and BUSY in partial.content.decode()
            assert "<html" not in partial.content.decode(), "htmx gets the message alone"
            rated = rate(client, card, key="long-lock-rating", htmx=True)
            assert rated.status_code == 503 and BUSY in rated.content.decode()
    finally:
        lock.release()

    # Nothing was saved half-way; sending it again works.
    assert not Submission.objects.filter(user=learner).exists()
    assert not ReviewLog.objects.filter(user=learner).exists()
    (again,) = wait_final(submit(client, exercise, ADDS))
    assert again.state == Submission.State.PASSED
    assert rate(client, card, key="long-lock-rating").status_code == 302


def test_a_verdict_write_that_fails_on_the_lock_is_graded_again_by_the_sweep(
    transactional_db, learners, monkeypatch
):
    from apps.exercises import tasks
    from apps.exercises.services import submissions_sweep

    exercise = ExerciseFactory(language="javascript")
    ((_, client),) = learners(1)
    published: list[int] = []
    monkeypatch.setattr(tasks.grade_submission, "publish", published.append)
    monkeypatch.setattr(tasks.grade_submission, "delay_on_commit", published.append)
    submission = submit(client, exercise, ADDS)

    # The worker grades in the jail; by the time it writes the verdict, the lock is taken.
    lock = DatabaseLock()
    real_grade = tasks.grade

    def grade_then_lock(**kwargs):
        result = real_grade(**kwargs)
        lock.acquire()
        return result

    monkeypatch.setattr(tasks, "grade", grade_then_lock)
    try:
        with short_patience(), pytest.raises(Exception, match="(?i)lock"):
            tasks.grade_submission.apply(args=(submission.pk,), throw=True)
    finally:
        lock.release()
    monkeypatch.setattr(tasks, "grade", real_grade)
    submission.refresh_from_db()
    assert submission.state == Submission.State.RUNNING, "the claim stands, the verdict is lost"

    # Time passes and nobody steps in: the sweep finds the stale claim, a worker grades it again.
    patience = timedelta(seconds=settings.EXERCISE_SWEEP_RUNNING_AFTER_SECONDS + 1)
    Submission.objects.filter(pk=submission.pk).update(
        started_at=submission.started_at - patience, enqueued_at=submission.enqueued_at - patience
    )
    assert submission.pk in submissions_sweep().requeued
    assert published[-1] == submission.pk
    tasks.grade_submission.apply(args=(submission.pk,), throw=True)
    submission.refresh_from_db()
    assert submission.state == Submission.State.PASSED, submission.message
    assert submission.attempts == 2
    assert_graded_once(submission)
