"""A small portal with one object of every kind, owned by people in every role, for the
security tests: who may see what (IDOR), who may post where (CSRF), what a payload becomes.

People:
- `learner` (ada) is in `cohort`, taught by `instructor` (ines);
- `other_learner` (grace) is in `other_cohort`, taught by `other_instructor` (omar);
- `staff` (sam) is a superuser.
Ada and Grace each have a graded submission (with per-test results), a mock interview with a
revealed question, reviews and a study plan.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.contrib.auth.models import Group
from django.test import Client

from apps.accounts.models import User
from apps.cohorts import services as cohort_services
from apps.cohorts.models import Cohort, CohortStats
from apps.content.models import Card, Exercise, Lesson, Track
from apps.exercises.models import ExampleRun, GiveUp, Submission
from apps.study import services as study_services
from apps.study.models import CardState, MemoryFit, MockInterview, ReviewLog, StudyPlan
from tests.factories import (
    PASSWORD,
    CardFactory,
    CohortFactory,
    ExerciseFactory,
    LessonFactory,
    MembershipFactory,
    SubmissionFactory,
    TestResultFactory,
    TrackFactory,
    UserFactory,
)
from tests.security.inert import PAYLOADS

ROLES = ("learner", "other_learner", "instructor", "other_instructor", "staff")


@dataclass
class World:
    learner: User
    other_learner: User
    instructor: User
    other_instructor: User
    staff: User
    track: Track
    lesson: Lesson
    card: Card
    exercise: Exercise
    cohort: Cohort
    other_cohort: Cohort
    submission: Submission  # ada's
    other_submission: Submission  # grace's
    retryable: Submission  # ada's, a platform error she may send again
    example_run: ExampleRun  # ada's "Run examples", finished
    mock: MockInterview  # ada's
    other_mock: MockInterview  # grace's
    group: Group
    clients: dict[str, Client] = field(default_factory=dict)

    def user(self, role: str) -> User | None:
        return None if role == "anonymous" else getattr(self, role)

    def client(self, role: str, **options) -> Client:
        """A client logged in as `role` ("anonymous": not logged in)."""
        client = Client(**options)
        if role != "anonymous":
            client.force_login(self.user(role))
        return client


def hostile_submissions(world, *, code: str, test_name: str) -> tuple[Submission, Submission]:
    """(failed, errored): two runs of `code` by the world's learner, every other text the
    learner's code controls (output, message, a test's name, message and output) carrying every
    payload."""
    every = "\n".join(PAYLOADS)
    common = {"user": world.learner, "exercise": world.exercise, "code": code, "output": every}
    failed = SubmissionFactory(**common, state=Submission.State.FAILED, verdict="ok", message=every)
    TestResultFactory(
        submission=failed,
        position=0,
        name=test_name,
        status="fail",
        message=every,
        output=every,
        file="tests.js",
    )
    errored = SubmissionFactory(
        **common, state=Submission.State.ERROR, verdict="runtime_error", message=every
    )
    return failed, errored


def graded_submission(
    user, exercise, *, code: str, state: str = "failed", output: str = "", message: str = ""
) -> Submission:
    """A final submission with the test exercise's three results (no worker needed)."""
    submission = SubmissionFactory(
        user=user,
        exercise=exercise,
        code=code,
        state=state,
        verdict="ok",
        wall_ms=40,
        output=output,
        message=message,
    )
    TestResultFactory(
        submission=submission,
        position=0,
        name="adds two small numbers",
        status="pass",
        file="example_test.js",
        is_example=True,
    )
    TestResultFactory(
        submission=submission,
        position=1,
        name="adds negative numbers",
        status="fail",
        message=f"add(-2, -3) should be -5 ({user.username})",
        output=f"printed by {user.username}'s code",
        file="tests.js",
    )
    return submission


def _mock_for(user, track: Track) -> MockInterview:
    mock = study_services.mock_create(
        user=user, tracks=[track], question_count=2, seconds_per_question=60
    )
    question = mock.questions.get(position=1)
    study_services.mock_question_reveal(question=question, notes=f"notes of {user.username}")
    return mock


def world_build() -> World:
    learner = UserFactory(username="ada", password=PASSWORD, display_name="Ada")
    other_learner = UserFactory(username="grace", password=PASSWORD, display_name="Grace")
    instructor = UserFactory(
        username="ines", password=PASSWORD, display_name="Ines", instructor=True
    )
    other_instructor = UserFactory(
        username="omar", password=PASSWORD, display_name="Omar", instructor=True
    )
    staff = UserFactory(username="sam", password=PASSWORD, display_name="Sam", superuser=True)
    track = TrackFactory(slug="async", title="Async", order=1)
    lesson = LessonFactory(track=track, slug="basics", title="Basics", order=1)
    cards = [CardFactory(lesson=lesson, slug=f"b{i}", order=i) for i in range(1, 4)]
    exercise = ExerciseFactory(language="javascript")

    cohort = CohortFactory(instructor=instructor, name="Spring cohort")
    other_cohort = CohortFactory(instructor=other_instructor, name="Autumn cohort")
    MembershipFactory(cohort=cohort, user=learner)
    MembershipFactory(cohort=other_cohort, user=other_learner)

    submission = graded_submission(learner, exercise, code="// ada's solution")
    other_submission = graded_submission(other_learner, exercise, code="// grace's solution")
    retryable = SubmissionFactory(
        user=learner,
        exercise=exercise,
        code="// ada's code the jail could not run",
        state=Submission.State.ERROR,
        retryable=True,
        verdict="sandbox_error",
    )
    example_run = ExampleRun.objects.create(
        user=learner,
        exercise=exercise,
        code="// ada's example run",
        state=ExampleRun.State.FAILED,
        results=[{"name": "adds", "status": "fail", "message": "no", "output": ""}],
    )
    for user in (learner, other_learner):
        study_services.review_record(
            user=user,
            card=cards[0],
            rating=3,
            duration_ms=1000,
            source=ReviewLog.Source.LESSON,
            idempotency_key=f"world-{user.username}",
        )
        study_services.study_plan_set_new_cards(user=user, new_cards_per_day=15)
        GiveUp.objects.create(user=user, exercise=exercise)
    mock = _mock_for(learner, track)
    other_mock = _mock_for(other_learner, track)
    return World(
        learner=learner,
        other_learner=other_learner,
        instructor=instructor,
        other_instructor=other_instructor,
        staff=staff,
        track=track,
        lesson=lesson,
        card=cards[0],
        exercise=exercise,
        cohort=cohort,
        other_cohort=other_cohort,
        submission=submission,
        other_submission=other_submission,
        retryable=retryable,
        example_run=example_run,
        mock=mock,
        other_mock=other_mock,
        group=Group.objects.create(name="reviewers"),
    )


def _cohort_stats(cohort: Cohort) -> CohortStats:
    # Built on demand: the dashboard computes its figures itself when they are missing.
    cohort_services.cohort_stats_refresh(cohort=cohort)
    return CohortStats.objects.get(cohort=cohort)


def _memory_fit(user) -> MemoryFit:
    from django.utils import timezone

    fit, _ = MemoryFit.objects.get_or_create(
        user=user,
        defaults={"created_at": timezone.now(), "parameters": [0.2] * 21, "reviews": 1},
    )
    return fit


# One object of each model the admin shows, for its object URLs (change, delete, history...).
# A model registered in the admin without an entry here fails the IDOR coverage test.
ADMIN_OBJECTS = {
    "auth.group": lambda w: w.group,
    "accounts.user": lambda w: w.learner,
    "content.track": lambda w: w.track,
    "content.lesson": lambda w: w.lesson,
    "content.card": lambda w: w.card,
    "content.exercise": lambda w: w.exercise,
    "study.cardstate": lambda w: CardState.objects.get(user=w.learner),
    "study.reviewlog": lambda w: ReviewLog.objects.filter(user=w.learner).first(),
    "study.studyplan": lambda w: StudyPlan.objects.get(user=w.learner),
    "study.mockinterview": lambda w: w.mock,
    "study.memoryfit": lambda w: _memory_fit(w.learner),
    "exercises.submission": lambda w: w.submission,
    "exercises.giveup": lambda w: GiveUp.objects.get(user=w.learner),
    "cohorts.cohort": lambda w: w.cohort,
    "cohorts.cohortstats": lambda w: _cohort_stats(w.cohort),
}


CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def csrf_token_of(client: Client) -> str:
    """The token a browser would post back: read from a page the client is shown."""
    from django.urls import reverse

    for url in (reverse("accounts:password_change"), reverse("accounts:login")):
        response = client.get(url)
        found = CSRF_INPUT.search(response.content.decode())
        if found:
            return found.group(1)
    raise AssertionError("no page rendered a CSRF token")
