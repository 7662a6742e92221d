import pytest
from django.urls import reverse

from apps.exercises.models import Submission
from tests.factories import SubmissionFactory, TestResultFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client, password):
    UserFactory(username="boss", password=password, superuser=True)
    client.login(username="boss", password=password)
    return client


def test_staff_can_read_submissions_with_their_results_but_not_edit_them(
    staff_client, learner, exercise
):
    submission = SubmissionFactory(user=learner, exercise=exercise, code="1")
    TestResultFactory(submission=submission, position=0, name="adds", status="fail", message="nope")
    changelist = staff_client.get(reverse("admin:exercises_submission_changelist"))
    assert changelist.status_code == 200
    page = staff_client.get(reverse("admin:exercises_submission_change", args=[submission.pk]))
    assert page.status_code == 200 and "nope" in page.content.decode()
    assert 'name="_save"' not in page.content.decode()


def test_staff_can_run_the_sweep_from_the_admin(staff_client, learner, exercise, published):
    SubmissionFactory(user=learner, exercise=exercise, code="1")
    response = staff_client.post(
        reverse("admin:exercises_submission_changelist"),
        {"action": "sweep_now", "_selected_action": [Submission.objects.get().pk]},
        follow=True,
    )
    assert response.status_code == 200
    assert "Requeued 0, retried 0." in response.content.decode()
