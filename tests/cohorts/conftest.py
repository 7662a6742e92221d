"""Cohorts need a small course, people in every role, and a clock under the test's control."""

from dataclasses import dataclass

import pytest

from apps.content.models import Card, Lesson
from apps.exercises.models import Submission
from tests.factories import (
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


@dataclass
class Course:
    basics: Lesson
    advanced: Lesson
    cards: list[Card]

    def card(self, slug: str) -> Card:
        return next(card for card in self.cards if card.slug == slug)


@pytest.fixture
def course_small(db) -> Course:
    """One track, two lessons: `basics` (b1..b4) and `advanced` (a1..a2)."""
    track = TrackFactory(slug="async", title="Async", order=1)
    basics = LessonFactory(track=track, slug="basics", title="Basics", order=1)
    advanced = LessonFactory(track=track, slug="advanced", title="Advanced", order=2)
    cards = [CardFactory(lesson=basics, slug=f"b{i}", order=i) for i in range(1, 5)]
    cards += [CardFactory(lesson=advanced, slug=f"a{i}", order=i) for i in range(1, 3)]
    return Course(basics, advanced, cards)


@pytest.fixture
def instructor(db, password):
    return UserFactory(username="ines", password=password, display_name="Ines", instructor=True)


@pytest.fixture
def other_instructor(db, password):
    return UserFactory(username="omar", password=password, instructor=True)


@pytest.fixture
def staff(db, password):
    return UserFactory(username="sam", password=password, staff=True)


@pytest.fixture
def cohort(instructor, clock):
    return CohortFactory(instructor=instructor, name="Spring cohort")


@pytest.fixture
def member(cohort, learner):
    MembershipFactory(cohort=cohort, user=learner)
    return learner


@pytest.fixture
def exercise(db):
    return ExerciseFactory(language="javascript")


def run(user, exercise, state: str, *, failing: tuple[str, ...] = (), at=None) -> Submission:
    """A graded submission with the JavaScript test exercise's three tests."""
    submission = SubmissionFactory(
        user=user, exercise=exercise, code=f"// {state}", state=state, verdict="ok", wall_ms=40
    )
    if at is not None:
        Submission.objects.filter(pk=submission.pk).update(created_at=at)
        submission.created_at = at
    names = [
        ("adds two small numbers", True),
        ("adds negative numbers", False),
        ("adding zero changes nothing", False),
    ]
    for position, (name, example) in enumerate(names):
        TestResultFactory(
            submission=submission,
            position=position,
            name=name,
            status="fail" if name in failing else "pass",
            file="example_test.js" if example else "tests.js",
            is_example=example,
        )
    return submission
