"""What the fault tests share: learners' actions through the real views, and waiting for the
grading pipeline."""

from __future__ import annotations

from django.urls import reverse

from apps.exercises.models import Submission, TestResult
from apps.study.models import ReviewLog
from tests.integration.stack import wait_for

# The stack's sweep gives up on a running claim after 12 s (stack.SWEEP_ENV); runs take seconds.
FINAL_TIMEOUT = 90

ADDS = "module.exports = { add: (a, b) => a + b };\n"
SUBTRACTS = "module.exports = { add: (a, b) => a - b };\n"
# Burns CPU until the jail's limit stops it: long enough to be killed mid-run.
SPINS = "module.exports = { add: (a, b) => { for (;;) {} } };\n"
SLOW_LIMITS = {"cpu_seconds": 2, "wall_seconds": 3, "test_timeout_seconds": 2}


def submit(client, exercise, code) -> Submission:
    """Run the tests the way the page's form does without JavaScript; the learner must get the
    exercise page back (a redirect to it), never an error page."""
    response = client.post(reverse("exercises:submit", args=[exercise.slug]), {"code": code})
    assert response.status_code == 302, response.content.decode()[:2000]
    return Submission.objects.filter(exercise=exercise).order_by("-pk").first()


def status_partial(client, submission: Submission) -> str:
    """What the page's htmx poll shows; it must answer 200 whatever the stack is going through."""
    response = client.get(
        reverse("exercises:submission", args=[submission.pk]), headers={"HX-Request": "true"}
    )
    assert response.status_code == 200, response.content.decode()[:2000]
    return response.content.decode()


def wait_final(*submissions: Submission, timeout: float = FINAL_TIMEOUT) -> list[Submission]:
    ids = [s.pk for s in submissions]

    def final():
        return (
            not Submission.objects.filter(pk__in=ids).exclude(state__in=Submission.FINAL).exists()
        )

    wait_for(final, timeout=timeout, what=f"submissions {ids} to be graded")
    rows = {s.pk: s for s in Submission.objects.filter(pk__in=ids)}
    return [rows[pk] for pk in ids]


def assert_graded_once(submission: Submission) -> None:
    """One set of per-test rows and at most one card review per submission: a second grading
    that also wrote its result would show up twice in either."""
    names = list(TestResult.objects.filter(submission=submission).values_list("name", flat=True))
    assert len(names) == len(set(names)), f"submission {submission.pk} has duplicate results"
    reviews = ReviewLog.objects.filter(idempotency_key=f"submission-{submission.pk}").count()
    assert reviews <= 1, f"submission {submission.pk} was reviewed {reviews} times"
