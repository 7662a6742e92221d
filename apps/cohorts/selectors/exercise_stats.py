"""Cohort-wide figure: per live exercise, how the cohort's runs went. Attempts, learners, pass
rate, median runs to pass, the hidden tests failed most, hint use and the known mistakes made
most."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, Exists, IntegerField, OuterRef, Q, Subquery

from apps.cohorts.models import Cohort
from apps.cohorts.selectors.access import member_ids
from apps.content.models import Exercise
from apps.exercises.models import HintReveal, Submission, TestResult

TOP_FAILED_TESTS = 3
TOP_MISTAKES = 3  # known mistakes listed per exercise


@dataclass
class FailedTest:
    name: str
    failures: int
    learners: int


@dataclass
class CommonMistake:
    """A known mistake the cohort's failed runs were diagnosed with (apps/exercises/coaching)."""

    mistake: str  # the wrong solution's file name
    title: str
    runs: int
    learners: int


@dataclass
class ExerciseStats:
    slug: str
    title: str
    url: str
    attempts: int = 0
    learners: int = 0
    learners_passed: int = 0
    median_attempts_to_pass: float | None = None
    failed_tests: list[FailedTest] = field(default_factory=list)
    # Coaching: learners who took at least one hint, hints taken in all, learners who saw a
    # failing test's code; and the known mistakes the cohort makes most.
    hint_learners: int = 0
    hints_taken: int = 0
    test_code_learners: int = 0
    mistakes: list[CommonMistake] = field(default_factory=list)

    @property
    def pass_rate_pct(self) -> int | None:
        """Share of the learners who ran it that passed it."""
        return round(100 * self.learners_passed / self.learners) if self.learners else None


def median_of_histogram(counts: list[tuple[int, int]]) -> float | None:
    """The median of values given as (value, how many) pairs sorted by value."""
    total = sum(times for _, times in counts)
    if not total:
        return None

    def nth(index: int) -> int:
        for value, times in counts:
            if index < times:
                return value
            index -= times
        raise IndexError(index)

    if total % 2:
        return float(nth(total // 2))
    return (nth(total // 2 - 1) + nth(total // 2)) / 2


def _counted_runs() -> Q:
    """Runs that count as attempts: finished, and not a platform error the learner could not
    help (those are graded again for them)."""
    return Q(state__in=Submission.FINAL) & ~Q(state=Submission.State.ERROR, retryable=True)


def cohort_exercise_stats(*, cohort: Cohort) -> list[ExerciseStats]:
    """Per live exercise: attempts, learners, pass rate, median attempts to pass, the hidden
    tests failed most often, by name, hint use and the known mistakes made most (six
    queries)."""
    members = member_ids(cohort)
    runs = Submission.objects.filter(_counted_runs(), user_id__in=members)
    exercises = list(Exercise.objects.live().order_by("order", "slug"))
    stats = {
        exercise.pk: ExerciseStats(
            slug=exercise.slug, title=exercise.title, url=exercise.get_absolute_url()
        )
        for exercise in exercises
    }
    titles = {
        (exercise.pk, name): entry.get("title", name)
        for exercise in exercises
        for name, entry in (exercise.mistakes or {}).items()
    }
    for row in (
        runs.values("exercise_id")
        .annotate(
            attempts=Count("pk"),
            learners=Count("user_id", distinct=True),
            passed=Count("user_id", distinct=True, filter=Q(state=Submission.State.PASSED)),
        )
        .order_by()
    ):
        if (entry := stats.get(row["exercise_id"])) is not None:
            entry.attempts, entry.learners = row["attempts"], row["learners"]
            entry.learners_passed = row["passed"]

    # Runs each learner needed up to their first pass, counted in the database and returned
    # as a histogram per exercise: a few rows whatever the number of learners.
    pair = {"user_id": OuterRef("user_id"), "exercise_id": OuterRef("exercise_id")}
    earlier_pass = Submission.objects.filter(
        **pair, state=Submission.State.PASSED, pk__lt=OuterRef("pk")
    )
    runs_so_far = (
        Submission.objects.filter(_counted_runs(), **pair, pk__lte=OuterRef("pk"))
        .order_by()
        .values("user_id")
        .annotate(n=Count("pk"))
        .values("n")
    )
    histogram: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for row in (
        runs.filter(state=Submission.State.PASSED)
        .exclude(Exists(earlier_pass))
        .annotate(runs_to_pass=Subquery(runs_so_far, output_field=IntegerField()))
        .values("exercise_id", "runs_to_pass")
        .annotate(learners=Count("pk"))
        .order_by("exercise_id", "runs_to_pass")
    ):
        histogram[row["exercise_id"]].append((row["runs_to_pass"], row["learners"]))
    for exercise_id, counts in histogram.items():
        if (entry := stats.get(exercise_id)) is not None:
            entry.median_attempts_to_pass = median_of_histogram(counts)

    failures = (
        TestResult.objects.filter(
            submission__in=runs.values("pk"),
            is_example=False,
            status__in=[TestResult.Status.FAIL, TestResult.Status.ERROR],
        )
        .values("submission__exercise_id", "name")
        .annotate(failures=Count("pk"), learners=Count("submission__user_id", distinct=True))
        .order_by("submission__exercise_id", "-failures", "name")
    )
    for row in failures:
        entry = stats.get(row["submission__exercise_id"])
        if entry is not None and len(entry.failed_tests) < TOP_FAILED_TESTS:
            entry.failed_tests.append(FailedTest(row["name"], row["failures"], row["learners"]))

    for row in (
        HintReveal.objects.filter(user_id__in=members)
        .values("exercise_id")
        .annotate(
            hint_learners=Count("user_id", distinct=True, filter=Q(kind=HintReveal.Kind.HINT)),
            hints=Count("pk", filter=Q(kind=HintReveal.Kind.HINT)),
            test_learners=Count("user_id", distinct=True, filter=Q(kind=HintReveal.Kind.TEST)),
        )
        .order_by()
    ):
        if (entry := stats.get(row["exercise_id"])) is not None:
            entry.hint_learners, entry.hints_taken = row["hint_learners"], row["hints"]
            entry.test_code_learners = row["test_learners"]

    for row in (
        runs.exclude(mistake="")
        .values("exercise_id", "mistake")
        .annotate(runs=Count("pk"), learners=Count("user_id", distinct=True))
        .order_by("exercise_id", "-learners", "-runs", "mistake")
    ):
        entry = stats.get(row["exercise_id"])
        title = titles.get((row["exercise_id"], row["mistake"]))
        if entry is not None and title and len(entry.mistakes) < TOP_MISTAKES:
            entry.mistakes.append(
                CommonMistake(row["mistake"], title, row["runs"], row["learners"])
            )
    return list(stats.values())
