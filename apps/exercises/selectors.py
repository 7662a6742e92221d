"""Reads over exercises, submissions and example runs. A learner only ever sees their own
submissions and runs: every read that takes such an id also takes the user and 404s on anyone
else's."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

from django.db.models import Count, Exists, Max, OuterRef, Prefetch, Q, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404

from apps.content.models import Exercise, ExerciseCard
from apps.content.rendering import render_code, render_markdown
from apps.exercises.coaching import RATING_RULE, test_source
from apps.exercises.models import ExampleRun, GiveUp, HintReveal, Submission, TestResult

HISTORY_LENGTH = 20


@dataclass
class ExerciseStatus:
    key: str  # new, grading, passed, attempted, solution_viewed
    label: str


STATUSES = {
    "new": ExerciseStatus("new", "Not started"),
    "grading": ExerciseStatus("grading", "Grading…"),
    "passed": ExerciseStatus("passed", "Passed"),
    "attempted": ExerciseStatus("attempted", "Not passed yet"),
    "solution_viewed": ExerciseStatus("solution_viewed", "Solution viewed"),
}


def exercise_list(*, user) -> list[Exercise]:
    """Live exercises, each with `.status` (an ExerciseStatus) and `.attempts` for this user."""
    # Explicit order: Meta.ordering is dropped from the aggregated query below.
    exercises = (
        Exercise.objects.live()
        .prefetch_related(
            Prefetch("card_links", queryset=ExerciseCard.objects.select_related("card__lesson"))
        )
        .order_by("order", "slug")
    )
    if not user.is_authenticated:
        rows = list(exercises)
        for exercise in rows:
            exercise.attempts, exercise.status = 0, STATUSES["new"]
        return rows
    mine = Q(submissions__user=user)
    rows = list(
        exercises.annotate(
            attempts=Count("submissions", filter=mine),
            last_submitted_at=Max("submissions__created_at", filter=mine),
            has_passed=Exists(
                Submission.objects.filter(
                    user=user, exercise=OuterRef("pk"), state=Submission.State.PASSED
                )
            ),
            is_grading=Exists(
                Submission.objects.in_flight().filter(user=user, exercise=OuterRef("pk"))
            ),
            gave_up=Exists(GiveUp.objects.filter(user=user, exercise=OuterRef("pk"))),
        )
    )
    for exercise in rows:
        if exercise.has_passed:
            key = "passed"
        elif exercise.is_grading:
            key = "grading"
        elif exercise.gave_up:
            key = "solution_viewed"
        elif exercise.attempts:
            key = "attempted"
        else:
            key = "new"
        exercise.status = STATUSES[key]
    return rows


def exercise_get(*, slug: str) -> Exercise:
    return get_object_or_404(Exercise.objects.live(), slug=slug)


def submission_get(*, user, submission_id: int) -> Submission:
    """The user's own submission with its per-test results; 404 for anyone else's."""
    if not user.is_authenticated:
        raise Http404
    submission = get_object_or_404(
        Submission.objects.for_user(user)
        .select_related("exercise")
        .prefetch_related(Prefetch("results", queryset=TestResult.objects.order_by("position"))),
        pk=submission_id,
    )
    results = submission.results.all()
    # The known mistake its failing tests matched (chosen when the verdict was recorded).
    submission.diagnosis = (submission.exercise.mistakes or {}).get(submission.mistake)
    submission.tests_passed = sum(result.passed for result in results)
    submission.tests_total = len(results)
    return submission


def submission_history(*, user, exercise: Exercise) -> QuerySet[Submission]:
    return (
        Submission.objects.for_user(user)
        .filter(exercise=exercise)
        .annotate(
            tests_passed=Count("results", filter=Q(results__status=TestResult.Status.PASS)),
            tests_total=Count("results"),
        )
        .order_by("-created_at", "-pk")[:HISTORY_LENGTH]
    )


@dataclass
class HintLadder:
    """The help a learner took on an exercise and the next rung they can take."""

    total: int  # how many hints the exercise has
    hints: list[tuple[int, str]] = field(default_factory=list)  # (number, html) revealed
    test_name: str = ""  # the failing hidden test whose code was revealed
    test_html: str = ""
    next: str = ""  # "hint", "test" or "" (only the solution is left)
    test_available: bool = False  # the latest graded submission failed a hidden test
    rule: str = RATING_RULE

    @property
    def next_number(self) -> int:
        return len(self.hints) + 1


def hint_ladder(*, user, exercise: Exercise, history: list[Submission]) -> HintLadder:
    """One query: this learner's reveals. `history` (newest first) tells whether the failing
    test rung can be taken yet."""
    hints = list(exercise.hints or [])
    ladder = HintLadder(total=len(hints))
    reveals = list(HintReveal.objects.filter(user=user, exercise=exercise).order_by("rung"))
    for reveal in reveals:
        if reveal.kind == HintReveal.Kind.HINT and reveal.rung <= len(hints):
            ladder.hints.append((reveal.rung, render_markdown(hints[reveal.rung - 1])))
        elif reveal.kind == HintReveal.Kind.TEST:
            ladder.test_name = reveal.test_name
            source = test_source(
                tests=exercise.hidden_tests, language=exercise.language, name=reveal.test_name
            )
            ladder.test_html = _highlight(exercise.language, source) if source else ""
    if len(reveals) < len(hints):
        ladder.next = "hint"
    elif len(reveals) == len(hints):
        ladder.next = "test"
        graded = [
            s
            for s in history
            if s.is_final and not (s.state == Submission.State.ERROR and s.retryable)
        ]
        ladder.test_available = bool(graded) and graded[0].state != Submission.State.PASSED
    return ladder


@dataclass
class ExercisePage:
    exercise: Exercise
    submission: Submission | None = None
    history: list[Submission] = field(default_factory=list)
    passed: bool = False
    gave_up: bool = False
    editor_code: str = ""
    ladder: HintLadder | None = None

    @property
    def show_solution(self) -> bool:
        return self.passed or self.gave_up


def exercise_page(
    *, exercise: Exercise, user, submission_id: int | None = None, starter: bool = False
) -> ExercisePage:
    """What the exercise page shows this user: the selected (or latest) submission with its
    results, the history, whether the solution is unlocked, and the code for the editor."""
    page = ExercisePage(exercise=exercise, editor_code=exercise.starter_code)
    if not user.is_authenticated:
        if submission_id is not None:
            raise Http404
        return page
    page.history = list(submission_history(user=user, exercise=exercise))
    if submission_id is not None:
        page.submission = submission_get(user=user, submission_id=submission_id)
        if page.submission.exercise_id != exercise.pk:
            raise Http404
    elif page.history:
        page.submission = submission_get(user=user, submission_id=page.history[0].pk)
    page.passed = Submission.objects.filter(
        user=user, exercise=exercise, state=Submission.State.PASSED
    ).exists()
    page.gave_up = GiveUp.objects.filter(user=user, exercise=exercise).exists()
    page.ladder = hint_ladder(user=user, exercise=exercise, history=page.history)
    if page.submission is not None and not starter:
        page.editor_code = page.submission.code
    return page


def exercise_examples_html(*, exercise: Exercise) -> str:
    """The visible example tests, highlighted (cached by source: they change only on import)."""
    return _highlight(exercise.language, exercise.example_tests)


def exercise_solution_html(*, exercise: Exercise) -> str:
    return _highlight(exercise.language, exercise.solution_code)


@lru_cache(maxsize=64)
def _highlight(language: str, source: str) -> str:
    return render_code(language, source)


def exercise_links_by_card(*, card_ids: list[int] | None = None) -> dict[int, list[Exercise]]:
    """Live exercises per card id (one query), for "Practise it" links under cards."""
    links = ExerciseCard.objects.filter(
        exercise__in=Exercise.objects.live()  # an exercise held back by its check has no link
    ).select_related("exercise")
    if card_ids is not None:
        links = links.filter(card_id__in=card_ids)
    by_card: dict[int, list[Exercise]] = {}
    for link in links.order_by("exercise__order", "exercise__slug"):
        by_card.setdefault(link.card_id, []).append(link.exercise)
    return by_card


# Example runs ("Run examples", written by services/example_runs.py)


@dataclass(frozen=True)
class ExampleResult:
    """One row of an example run's table (a row of ExampleRun.results), shaped like a
    TestResult for the template."""

    name: str
    status: str
    message: str = ""
    output: str = ""
    file: str | None = None
    line: int | None = None
    is_example: bool = True

    @property
    def passed(self) -> bool:
        return self.status == TestResult.Status.PASS

    @property
    def code_line(self) -> int | None:
        return None if self.passed else self.line


def example_run_in_flight(*, user, exercise: Exercise) -> ExampleRun | None:
    """The learner's example run of this exercise still queued or running, if any."""
    run = ExampleRun.objects.filter(user=user, exercise=exercise).in_flight().first()
    if run is not None:
        run.rows, run.tests_passed, run.tests_total = [], 0, 0
    return run


def example_run_get(*, user, run_id: int) -> ExampleRun:
    """The user's own example run with `.rows` (ExampleResult) and pass counts; 404 otherwise."""
    if not user.is_authenticated:
        raise Http404
    run = get_object_or_404(
        ExampleRun.objects.filter(user=user).select_related("exercise"), pk=run_id
    )
    run.rows = [ExampleResult(**row) for row in run.results or []]
    run.tests_passed = sum(row.passed for row in run.rows)
    run.tests_total = len(run.rows)
    return run
