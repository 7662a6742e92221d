"""factory_boy factories for the rows tests build: people, a small course, the test exercises,
cohorts and submissions. The real course (content/) is only imported where its size matters
(the `course` fixture)."""

import factory
from factory.django import DjangoModelFactory

from apps.accounts.models import User
from apps.accounts.services import user_create
from apps.cohorts.models import Cohort, Membership
from apps.cohorts.services import join_code_new
from apps.content.models import Card, Exercise, ExerciseCard, Lesson, Track
from apps.core import clock
from apps.exercises.models import Submission, TestResult
from tests.exercise_sources import HINTS, MISTAKES, SOURCES

PASSWORD = "correct-horse-battery-staple"  # the `password` fixture

# People


class UserFactory(DjangoModelFactory):
    """A learner, made the way sign-up makes one (`user_create`: hashed password, validated).
    Traits: `instructor=True`, `staff=True`, `superuser=True` (staff with every permission)."""

    class Meta:
        model = User

    class Params:
        instructor = factory.Trait(is_instructor=True)
        staff = factory.Trait(is_staff=True)
        superuser = factory.Trait(is_staff=True, is_superuser=True)

    username = factory.Sequence(lambda n: f"user{n}")
    password = PASSWORD

    @classmethod
    def _create(cls, model_class, *args, **fields):
        return user_create(**fields)


# A small course


class TrackFactory(DjangoModelFactory):
    class Meta:
        model = Track

    slug = factory.Sequence(lambda n: f"track-{n}")
    title = factory.Sequence(lambda n: f"Track {n}")
    order = factory.Sequence(lambda n: n)


class LessonFactory(DjangoModelFactory):
    class Meta:
        model = Lesson

    track = factory.SubFactory(TrackFactory)
    slug = factory.Sequence(lambda n: f"lesson-{n}")
    title = factory.Sequence(lambda n: f"Lesson {n}")
    order = factory.Sequence(lambda n: n)


class CardFactory(DjangoModelFactory):
    class Meta:
        model = Card

    lesson = factory.SubFactory(LessonFactory)
    slug = factory.Sequence(lambda n: f"card-{n}")
    kind = Card.Kind.QA
    question_md = factory.Sequence(lambda n: f"Question number {n}?")
    question_html = factory.LazyAttribute(lambda card: f"<p>{card.question_md}</p>")
    answer_md = factory.Sequence(lambda n: f"Answer number {n}.")
    answer_html = factory.LazyAttribute(lambda card: f"<p>{card.answer_md}</p>")
    key_points = factory.LazyFunction(
        lambda: ["First point", "Second point", "Third point", "Fourth point", "Fifth point"]
    )
    order = factory.Sequence(lambda n: n)


# The test exercises (tests/exercise_sources.py) all practise one scenario card, "test-card" in
# lesson "test-lesson" of track "test-track": the first exercise makes it, the others reuse it.


class _PractisedTrackFactory(TrackFactory):
    class Meta:
        django_get_or_create = ("slug",)

    slug = "test-track"
    title = "Test track"
    order = 0


class _PractisedLessonFactory(LessonFactory):
    class Meta:
        django_get_or_create = ("slug",)

    track = factory.SubFactory(_PractisedTrackFactory)
    slug = "test-lesson"
    title = "Test lesson"
    order = 0


class _PractisedCardFactory(CardFactory):
    class Meta:
        django_get_or_create = ("slug",)

    lesson = factory.SubFactory(_PractisedLessonFactory)
    slug = "test-card"
    kind = Card.Kind.SCENARIO
    question_md = "How do you add?"
    question_html = "<p>How do you add?</p>"
    answer_md = "With +."
    answer_html = "<p>With +.</p>"
    key_points = factory.LazyFunction(list)
    order = 0


class ExerciseCardFactory(DjangoModelFactory):
    """The link from an exercise (required) to the card it practises."""

    class Meta:
        model = ExerciseCard

    card = factory.SubFactory(_PractisedCardFactory)
    position = 0


def _source(exercise, part: str):
    return SOURCES[exercise.language][part]


class ExerciseFactory(DjangoModelFactory):
    """The "add two numbers" exercise in `language` ("javascript" or "python"), slug
    `add-<language>`, with the sources, hints and known mistakes of tests/exercise_sources.py,
    practising the shared test card. The real jail can grade it."""

    class Meta:
        model = Exercise
        skip_postgeneration_save = True  # the card link is saved on its own

    language = Exercise.Language.JAVASCRIPT.value
    slug = factory.LazyAttribute(lambda exercise: f"add-{exercise.language}")
    title = factory.LazyAttribute(lambda exercise: f"Add two numbers ({exercise.language})")
    prompt_md = "Export `add(a, b)` returning the sum."
    prompt_html = "<p>Export <code>add(a, b)</code> returning the sum.</p>"
    interview_angle_md = "Types."
    interview_angle_html = "<p>They listen for <strong>types</strong>.</p>"
    starter_code = factory.LazyAttribute(lambda exercise: _source(exercise, "starter"))
    example_tests = factory.LazyAttribute(lambda exercise: _source(exercise, "example"))
    hidden_tests = factory.LazyAttribute(lambda exercise: _source(exercise, "hidden"))
    solution_code = factory.LazyAttribute(lambda exercise: _source(exercise, "solution"))
    wrong_solutions = factory.LazyAttribute(lambda exercise: _source(exercise, "wrong"))
    hints = factory.LazyFunction(lambda: HINTS)
    # The language's known mistakes, whatever wrong solutions a test passes instead.
    mistakes = factory.LazyAttribute(
        lambda exercise: {
            name: MISTAKES[name.rsplit(".", 1)[0]] for name in _source(exercise, "wrong")
        }
    )
    limits = factory.LazyFunction(dict)
    card_link = factory.RelatedFactory(ExerciseCardFactory, factory_related_name="exercise")


# Cohorts: created and joined "now" by apps.core.clock (the `clock` fixture), as the services do.


class CohortFactory(DjangoModelFactory):
    class Meta:
        model = Cohort

    name = factory.Sequence(lambda n: f"Cohort {n}")
    instructor = factory.SubFactory(UserFactory, instructor=True)
    join_code = factory.LazyFunction(join_code_new)
    created_at = factory.LazyFunction(lambda: clock.now())


class MembershipFactory(DjangoModelFactory):
    class Meta:
        model = Membership

    cohort = factory.SubFactory(CohortFactory)
    user = factory.SubFactory(UserFactory)
    joined_at = factory.LazyFunction(lambda: clock.now())


# Submissions


class SubmissionFactory(DjangoModelFactory):
    """Queued unless told otherwise (`state=`, `verdict=`...); `created_at` is the save's time."""

    class Meta:
        model = Submission

    user = factory.SubFactory(UserFactory)
    exercise = factory.SubFactory(ExerciseFactory)
    code = factory.LazyAttribute(lambda submission: submission.exercise.solution_code)


class TestResultFactory(DjangoModelFactory):
    __test__ = False  # not a pytest class, despite the name

    class Meta:
        model = TestResult

    submission = factory.SubFactory(SubmissionFactory)
    position = factory.Sequence(lambda n: n)
    name = factory.Sequence(lambda n: f"test {n}")
    status = TestResult.Status.PASS
