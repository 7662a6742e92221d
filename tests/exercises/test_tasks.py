"""The grading task's own behaviour (the jail replaced by a canned result; the real worker and
jail are in tests/integration and tests/faults)."""

import pytest
from django.db import OperationalError

from apps.exercises import services, tasks
from apps.exercises.models import Submission, TestResult
from tests.exercises.test_services import GOOD, grade_result
from tests.factories import SubmissionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def graded(monkeypatch):
    runs = []

    def fake_grade(**kwargs):
        runs.append(kwargs["code"])
        return grade_result("pass")

    monkeypatch.setattr(tasks, "grade", fake_grade)
    return runs


def queued(learner, exercise):
    return SubmissionFactory(user=learner, exercise=exercise, code=GOOD)


def test_a_verdict_write_refused_by_a_busy_database_is_retried_by_the_task(
    learner, exercise, graded, monkeypatch
):
    submission = queued(learner, exercise)
    real_record = services.submission_record_result
    failures = []

    def locked_once(**kwargs):
        if not failures:
            failures.append(1)
            raise OperationalError("database is locked")
        return real_record(**kwargs)

    monkeypatch.setattr(services, "submission_record_result", locked_once)
    # Eager apply() runs the retry in place (a worker would run it 2 s later).
    result = tasks.grade_submission.apply(args=(submission.pk,), task_id="task-busy")
    assert result.successful(), result.traceback

    submission.refresh_from_db()
    assert submission.state == Submission.State.PASSED  # no wait for the sweep
    assert submission.attempts == 2 and len(graded) == 2
    assert TestResult.objects.filter(submission=submission).count() == 2


def test_other_database_errors_are_not_retried(learner, exercise, graded, monkeypatch):
    submission = queued(learner, exercise)

    def broken(**kwargs):
        raise OperationalError("no such column: exercises_submission.verdict")

    monkeypatch.setattr(services, "submission_record_result", broken)
    with pytest.raises(OperationalError, match="no such column"):
        tasks.grade_submission.apply(args=(submission.pk,), throw=True)
    assert len(graded) == 1
