"""The request id follows a submission: the learner's POST (X-Request-ID: abc123) publishes the
grading task with it, and the real worker logs its work on that submission under it."""

import pytest
from django.urls import reverse

from apps.exercises.models import Submission
from tests.factories import ExerciseFactory
from tests.integration.stack import wait_for

ADDS = "def add(a, b):\n    return a + b\n"


@pytest.fixture
def ada(client, learner, password, transactional_db, grading_stack):
    client.login(username=learner.username, password=password)
    yield client
    wait_for(
        lambda: not Submission.objects.in_flight().exists(),
        timeout=90,
        what="every submission to reach a final state",
    )


def test_the_worker_logs_a_submission_under_the_request_id_of_its_post(ada, grading_stack):
    exercise = ExerciseFactory(language="python")
    response = ada.post(
        reverse("exercises:submit", args=[exercise.slug]),
        {"code": ADDS},
        headers={"X-Request-ID": "abc123"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert response["X-Request-ID"] == "abc123"
    submission = Submission.objects.get(exercise=exercise)

    def lines_about_it():
        lines = [
            line
            for line in grading_stack.worker.log_text().splitlines()
            if "abc123" in line and f"submission {submission.pk}:" in line
        ]
        verdict = [line for line in lines if "pass in" in line]
        return lines if verdict else None

    lines = wait_for(lines_about_it, timeout=90, what="the worker's verdict line for abc123")
    assert any("grading started" in line for line in lines), lines
    submission.refresh_from_db()
    assert submission.state == Submission.State.PASSED
