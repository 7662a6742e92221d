"""Cohorts need a small course, people in every role, and a clock under the test's control."""

from dataclasses import dataclass

import pytest

from apps.accounts.services import user_create
from apps.cohorts import services
from apps.content.models import Card, Lesson
from apps.exercises.models import Submission, TestResult
from tests.exercises.factories import exercise_make
from tests.study.factories import CardFactory, LessonFactory, TrackFactory


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
    return user_create(username="ines", password=password, display_name="Ines", is_instructor=True)


@pytest.fixture
def other_instructor(db, password):
    return user_create(username="omar", password=password, is_instructor=True)


@pytest.fixture
def staff(db, password):
    return user_create(username="sam", password=password, is_staff=True)


@pytest.fixture
def cohort(instructor, clock):
    return services.cohort_create(instructor=instructor, name="Spring cohort")


@pytest.fixture
def member(cohort, learner):
    services.cohort_join(user=learner, cohort=cohort)
    return learner


@pytest.fixture
def exercise(db):
    return exercise_make(language="javascript")


def run(user, exercise, state: str, *, failing: tuple[str, ...] = (), at=None) -> Submission:
    """A graded submission with the JavaScript test exercise's three tests."""
    submission = Submission.objects.create(
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
    TestResult.objects.bulk_create(
        TestResult(
            submission=submission,
            position=position,
            name=name,
            status="fail" if name in failing else "pass",
            file="example_test.js" if example else "tests.js",
            is_example=example,
        )
        for position, (name, example) in enumerate(names)
    )
    return submission
