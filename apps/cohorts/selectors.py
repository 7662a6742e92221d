"""Reads for cohorts: who may see which cohort, the cohort dashboard, a learner's drill-down and
the exports.

Authorization lives in the lookups: `cohort_get` returns a cohort only to its instructor or to
staff, `cohort_learner_get` only a member of that cohort, `cohort_submission_get` only a
submission of that learner. Anything else is a 404, so a wrong id looks like a missing one.

The dashboard has two halves, both a fixed number of queries whatever the cohort's size:
- the heatmap, live and paginated (a page reads its own learners' rows only);
- the cohort-wide figures (summary, who needs help, hardest cards, exercise statistics,
  activity), aggregated in the database over every learner. Those grow with the cohort, so
  the dashboard reads them from a snapshot row (`CohortStats`) that services.cohort_stats_refresh
  rebuilds when it is older than COHORT_STATS_MAX_AGE_SECONDS or a membership changed.
Progress uses the study app's own definitions (apps.study.selectors.LEARNED and MASTERED).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.paginator import Page, Paginator
from django.db.models import (
    Count,
    Exists,
    F,
    IntegerField,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce, Lower, NullIf, TruncDate
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import Truncator

from apps.cohorts.models import Cohort, CohortStats, Membership
from apps.content.models import Card, Exercise, Lesson
from apps.core import charts, clock
from apps.exercises.models import HintReveal, Submission, TestResult
from apps.study.models import CardState, ReviewDay, ReviewLog
from apps.study.selectors import LEARNED, LIVE_CARD, MASTERED, Progress

User = get_user_model()

HEATMAP_PAGE_SIZE = 50
METRICS = {"mastered": "Mastered", "learned": "Learned", "seen": "Seen"}
METRIC_FILTERS = {"mastered": MASTERED, "learned": LEARNED, "seen": Q()}
ACTIVITY_DAYS = 30

# Who needs help: the thresholds, printed on the dashboard next to the list.
OVERDUE_AFTER = timedelta(days=1)  # a card due for more than a day is overdue
OVERDUE_MIN_CARDS = 10
AGAIN_WINDOW_DAYS = 7
AGAIN_MIN = 8
FAILS_MIN = 3  # failed runs of one exercise, never passed
HELP_LIMIT = 20
HARDEST_MIN_LEARNERS = 3  # a card seen by fewer learners says little about the cohort
HARDEST_LIMIT = 10
TOP_FAILED_TESTS = 3
TOP_MISTAKES = 3  # known mistakes listed per exercise


# Who sees what ---------------------------------------------------------------------------


def cohorts_visible(*, user) -> QuerySet[Cohort]:
    """Staff: every cohort. Instructors: their own. Learners and visitors: none."""
    if not user.is_authenticated:
        return Cohort.objects.none()
    if user.is_staff:
        return Cohort.objects.all()
    if user.is_instructor:
        return Cohort.objects.filter(instructor=user)
    return Cohort.objects.none()


def cohort_list(*, user) -> list[Cohort]:
    """The cohorts this user follows, each with `learner_count`."""
    return list(
        cohorts_visible(user=user)
        .select_related("instructor")
        .annotate(learner_count=Count("memberships"))
        .order_by(Lower("name"), "pk")
    )


def cohort_get(*, user, pk: int) -> Cohort:
    return get_object_or_404(cohorts_visible(user=user).select_related("instructor"), pk=pk)


def cohort_learner_get(*, cohort: Cohort, user_id: int):
    """A learner of this cohort (404 for anyone else), with `joined_at`."""
    return get_object_or_404(
        User.objects.filter(cohort_memberships__cohort=cohort).annotate(
            joined_at=F("cohort_memberships__joined_at")
        ),
        pk=user_id,
    )


def cohort_submission_get(*, learner, submission_id: int) -> Submission:
    """One of this learner's submissions with its per-test results (404 for anyone else's)."""
    submission = get_object_or_404(
        Submission.objects.filter(user=learner).select_related("exercise"), pk=submission_id
    )
    submission.test_results = list(submission.results.order_by("position"))
    submission.tests_passed = sum(result.passed for result in submission.test_results)
    return submission


def cohort_by_code(*, code: str) -> Cohort:
    return get_object_or_404(Cohort.objects.select_related("instructor"), join_code=code)


def membership_get(*, user, cohort_id: int) -> Membership:
    """The user's own membership of a cohort (404 when they are not in it)."""
    return get_object_or_404(
        Membership.objects.select_related("cohort"), user=user, cohort_id=cohort_id
    )


def is_member(*, user, cohort: Cohort) -> bool:
    return bool(
        user.is_authenticated and Membership.objects.filter(user=user, cohort=cohort).exists()
    )


def memberships_of(*, user) -> list[Membership]:
    """The cohorts a learner belongs to, latest first."""
    if not user.is_authenticated:
        return []
    return list(
        Membership.objects.filter(user=user)
        .select_related("cohort__instructor")
        .order_by("-joined_at", "-pk")
    )


def cohort_interview_date(*, user, today: date) -> tuple[date, Cohort] | None:
    """The nearest interview date, today or later, among the learner's cohorts: the readiness
    view uses it when the learner has not set a date of their own."""
    membership = (
        Membership.objects.filter(user=user, cohort__interview_date__gte=today)
        .select_related("cohort")
        .order_by("cohort__interview_date", "cohort_id")
        .first()
    )
    if membership is None:
        return None
    return membership.cohort.interview_date, membership.cohort


def _member_ids(cohort: Cohort) -> QuerySet:
    """A subquery, never evaluated on its own: the database joins it."""
    return Membership.objects.filter(cohort=cohort).values("user_id")


def _live_card_ids() -> QuerySet:
    return Card.objects.filter(LIVE_CARD).values("pk")


def cohort_zone(cohort: Cohort) -> ZoneInfo:
    """The cohort's calendar (days of the activity chart): its instructor's time zone."""
    return clock.learner_zone(cohort.instructor) if cohort.instructor else ZoneInfo("UTC")


# Heatmap ---------------------------------------------------------------------------------


NOT_STARTED = mark_safe('–<span class="visually-hidden"> not started</span>')


def heat_level(pct: float, seen: int) -> int:
    """0: nothing seen yet; 1 to 5: the fifth of 0-100% the value falls in."""
    if not seen:
        return 0
    return min(5, 1 + int(pct // 20))


@dataclass
class HeatCell:
    lesson: Lesson
    progress: Progress
    metric: str

    @property
    def count(self) -> int:
        return getattr(self.progress, self.metric)

    @property
    def pct(self) -> int:
        return round(getattr(self.progress, f"{self.metric}_pct"))

    @property
    def level(self) -> int:
        return heat_level(self.pct, self.progress.seen)

    @property
    def html(self) -> SafeString:
        """The cell's content: the percentage, and for screen readers what it counts. Built
        here rather than in the template: a page has hundreds of cells."""
        if not self.progress.seen:
            return NOT_STARTED
        return format_html(
            '{}%<span class="visually-hidden"> {}, {} of {} cards</span>',
            self.pct,
            self.metric,
            self.count,
            self.progress.total,
        )


@dataclass
class HeatRow:
    learner: object
    cells: list[HeatCell]
    overall: Progress
    last_active: date | None
    metric: str

    @property
    def overall_pct(self) -> int:
        return round(getattr(self.overall, f"{self.metric}_pct"))

    @property
    def overall_level(self) -> int:
        return heat_level(self.overall_pct, self.overall.seen)

    @property
    def overall_html(self) -> SafeString:
        if not self.overall.seen:
            return NOT_STARTED
        return format_html(
            '{}%<span class="visually-hidden"> of all cards {}</span>',
            self.overall_pct,
            self.metric,
        )


@dataclass
class Heatmap:
    lessons: list[Lesson]
    rows: list[HeatRow]
    page: Page
    sort: str  # "name" or "lesson-<pk>"
    descending: bool
    metric: str

    @property
    def metric_label(self) -> str:
        return METRICS[self.metric]

    @property
    def sort_lesson_id(self) -> int | None:
        return int(self.sort.removeprefix("lesson-")) if self.sort.startswith("lesson-") else None

    @property
    def sort_label(self) -> str:
        if self.sort == "name":
            return "learner name"
        lesson = next((le for le in self.lessons if le.pk == self.sort_lesson_id), None)
        return f"{self.metric_label.lower()} in {lesson.title}" if lesson else "learner name"


def cohort_lessons() -> list[Lesson]:
    """Live lessons in course order, each with `card_count` (its live cards) and `sort_key`
    (the heatmap's query-string value for sorting by it) and `track_span` (how many lessons its
    track has here, for the heatmap's track headings)."""
    lessons = list(
        Lesson.objects.live()
        .filter(track__is_retired=False)
        .select_related("track")
        .annotate(card_count=Count("cards", filter=Q(cards__is_retired=False)))
        .filter(card_count__gt=0)
        .order_by("track__order", "order", "slug")
    )
    spans: dict[int, int] = defaultdict(int)
    for lesson in lessons:
        spans[lesson.track_id] += 1
    for lesson in lessons:
        lesson.sort_key = f"lesson-{lesson.pk}"
        lesson.track_span = spans[lesson.track_id]
    return lessons


def progress_rows(*, user_ids) -> QuerySet:
    """Seen, learned and mastered cards per (learner, lesson): the heatmap's cells and the
    progress export read exactly these rows. `user_ids`: a list or a subquery."""
    return (
        CardState.objects.filter(user_id__in=user_ids, card_id__in=_live_card_ids())
        .values("user_id", "card__lesson_id")
        .annotate(
            seen=Count("pk"),
            learned=Count("pk", filter=LEARNED),
            mastered=Count("pk", filter=MASTERED),
        )
        .order_by()
    )


def _cells_by_learner(user_ids) -> dict[int, dict[int, dict]]:
    cells: dict[int, dict[int, dict]] = defaultdict(dict)
    for row in progress_rows(user_ids=user_ids):
        cells[row["user_id"]][row["card__lesson_id"]] = row
    return cells


def _heat_row(*, learner, lessons, cells: dict[int, dict], last_active, metric) -> HeatRow:
    row_cells = []
    overall = Progress(total=0)
    for lesson in lessons:
        found = cells.get(lesson.pk, {})
        progress = Progress(
            total=lesson.card_count,
            seen=found.get("seen", 0),
            learned=found.get("learned", 0),
            mastered=found.get("mastered", 0),
        )
        overall.add(progress)
        row_cells.append(HeatCell(lesson=lesson, progress=progress, metric=metric))
    return HeatRow(
        learner=learner, cells=row_cells, overall=overall, last_active=last_active, metric=metric
    )


def cohort_heatmap(
    *,
    cohort: Cohort,
    sort: str = "name",
    descending: bool = False,
    metric: str = "mastered",
    page_number: int | str = 1,
    page_size: int | None = None,
) -> Heatmap:
    """One page of the learners x lessons grid (five queries: the lessons, the page's count and
    learners, their cells, their last active day). Sorting by a lesson ranks every learner by
    that lesson's figure in the database, through the (user, card) index."""
    metric = metric if metric in METRICS else "mastered"
    lessons = cohort_lessons()
    learners = User.objects.filter(cohort_memberships__cohort=cohort).only(
        "pk", "username", "display_name"
    )
    lesson_id = int(sort.removeprefix("lesson-")) if sort.startswith("lesson-") else None
    if lesson_id is None or lesson_id not in {lesson.pk for lesson in lessons}:
        sort = "name"
        # display_name is blank, not null, when unset.
        name = Lower(Coalesce(NullIf("display_name", Value("")), "username"))
        learners = learners.annotate(sort_name=name).order_by(
            F("sort_name").desc() if descending else F("sort_name").asc(), "pk"
        )
    else:
        figure = (
            CardState.objects.filter(
                METRIC_FILTERS[metric],
                user=OuterRef("pk"),
                card__lesson_id=lesson_id,
                card__is_retired=False,
            )
            .order_by()
            .values("user")
            .annotate(n=Count("pk"))
            .values("n")
        )
        learners = learners.annotate(
            figure=Coalesce(Subquery(figure, output_field=IntegerField()), Value(0))
        ).order_by(F("figure").desc() if descending else F("figure").asc(), Lower("username"))
    page = Paginator(learners, page_size or HEATMAP_PAGE_SIZE).get_page(page_number)
    page_learners = list(page.object_list)
    ids = [learner.pk for learner in page_learners]
    cells = _cells_by_learner(ids) if ids else {}
    last_active = (
        dict(
            ReviewDay.objects.filter(user_id__in=ids, reviews__gt=0)
            .values("user_id")
            .annotate(last=Max("day"))
            .values_list("user_id", "last")
        )
        if ids
        else {}
    )
    rows = [
        _heat_row(
            learner=learner,
            lessons=lessons,
            cells=cells.get(learner.pk, {}),
            last_active=last_active.get(learner.pk),
            metric=metric,
        )
        for learner in page_learners
    ]
    return Heatmap(
        lessons=lessons, rows=rows, page=page, sort=sort, descending=descending, metric=metric
    )


# Cohort-wide figures ---------------------------------------------------------------------
# Plain values only (ids, names, numbers): they are stored as JSON in CohortStats.data.


@dataclass
class Summary:
    learners: int = 0
    active_7_days: int = 0
    reviews_7_days: int = 0
    reviews_30_days: int = 0
    exercises_passed: int = 0  # (learner, exercise) pairs with a passing run
    learners_passed: int = 0  # learners with at least one exercise passed


@dataclass
class StruggledExercise:
    slug: str
    title: str
    fails: int


@dataclass
class HelpEntry:
    learner_id: int
    name: str
    username: str
    overdue: int = 0
    again: int = 0
    reviews: int = 0
    exercises: list[StruggledExercise] = field(default_factory=list)

    @property
    def severity(self) -> float:
        return self.overdue / OVERDUE_MIN_CARDS + self.again / AGAIN_MIN + len(self.exercises)

    @property
    def again_pct(self) -> int:
        return round(100 * self.again / self.reviews) if self.reviews else 0


@dataclass
class HardCard:
    card_id: int
    slug: str
    question: str
    lesson: str
    url: str
    learners: int
    lapsed_learners: int
    reps: int
    lapses: int

    @property
    def lapse_rate_pct(self) -> int:
        """Again ratings per review, in percent."""
        return round(100 * self.lapses / self.reps) if self.reps else 0

    @property
    def lapsed_pct(self) -> int:
        return round(100 * self.lapsed_learners / self.learners) if self.learners else 0


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


@dataclass
class ActivityDay:
    day: date
    reviews: int = 0
    learners: int = 0
    runs: int = 0
    passes: int = 0


@dataclass
class Figures:
    computed_at: datetime
    zone: str
    today: date
    summary: Summary
    help: list[HelpEntry]
    hardest: list[HardCard]
    exercises: list[ExerciseStats]
    activity: list[ActivityDay]

    # Thresholds, for the page to explain the lists.
    overdue_min = OVERDUE_MIN_CARDS
    overdue_after_days = OVERDUE_AFTER.days
    again_min = AGAIN_MIN
    again_days = AGAIN_WINDOW_DAYS
    fails_min = FAILS_MIN
    help_limit = HELP_LIMIT
    hardest_min_learners = HARDEST_MIN_LEARNERS

    @property
    def chart(self) -> charts.DailyChart:
        return charts.daily_chart(counts=[(day.day, day.reviews) for day in self.activity])

    @property
    def activity_reviews(self) -> int:
        return sum(day.reviews for day in self.activity)

    @property
    def activity_runs(self) -> int:
        return sum(day.runs for day in self.activity)

    @property
    def busiest_day(self) -> ActivityDay | None:
        return max(self.activity, key=lambda day: day.reviews, default=None)

    def to_data(self) -> dict:
        data = asdict(self)
        data["computed_at"] = self.computed_at.isoformat()
        data["today"] = self.today.isoformat()
        for day in data["activity"]:
            day["day"] = day["day"].isoformat()
        return data

    @classmethod
    def from_data(cls, data: dict) -> Figures:
        return cls(
            computed_at=datetime.fromisoformat(data["computed_at"]),
            zone=data["zone"],
            today=date.fromisoformat(data["today"]),
            summary=Summary(**data["summary"]),
            help=[
                HelpEntry(
                    **{**entry, "exercises": [StruggledExercise(**e) for e in entry["exercises"]]}
                )
                for entry in data["help"]
            ],
            hardest=[HardCard(**card) for card in data["hardest"]],
            exercises=[
                ExerciseStats(
                    **{
                        **stats,
                        "failed_tests": [FailedTest(**t) for t in stats["failed_tests"]],
                        "mistakes": [CommonMistake(**m) for m in stats.get("mistakes", [])],
                    }
                )
                for stats in data["exercises"]
            ],
            activity=[
                ActivityDay(**{**day, "day": date.fromisoformat(day["day"])})
                for day in data["activity"]
            ],
        )


def cohort_summary(*, cohort: Cohort, today: date, now: datetime) -> Summary:
    """Learners and the active ones, reviews, exercise passes (four queries)."""
    week_start = today - timedelta(days=6)
    recent_review = ReviewDay.objects.filter(
        user=OuterRef("user_id"), day__gte=week_start, reviews__gt=0
    )
    recent_run = Submission.objects.filter(
        user=OuterRef("user_id"), created_at__gte=now - timedelta(days=7)
    )
    people = Membership.objects.filter(cohort=cohort).aggregate(
        learners=Count("pk"),
        active=Count("pk", filter=Q(Exists(recent_review)) | Q(Exists(recent_run))),
    )
    reviews = ReviewDay.objects.filter(
        user_id__in=_member_ids(cohort), day__gte=today - timedelta(days=ACTIVITY_DAYS - 1)
    ).aggregate(
        month=Coalesce(Sum("reviews"), 0),
        week=Coalesce(Sum("reviews", filter=Q(day__gte=week_start)), 0),
    )
    passes = Submission.objects.filter(
        user_id__in=_member_ids(cohort), state=Submission.State.PASSED
    )
    return Summary(
        learners=people["learners"],
        active_7_days=people["active"],
        reviews_7_days=reviews["week"],
        reviews_30_days=reviews["month"],
        exercises_passed=passes.values("user_id", "exercise_id").distinct().count(),
        learners_passed=passes.values("user_id").distinct().count(),
    )


def _name(row: dict) -> str:
    return row["user__display_name"] or row["user__username"]


def cohort_help(*, cohort: Cohort, now: datetime, today: date) -> list[HelpEntry]:
    """Learners to look at: many overdue reviews, many Again ratings this week, or an exercise
    failed again and again without a pass (three queries, names included, whatever the data).
    The most urgent first."""
    members = _member_ids(cohort)
    who = ("user_id", "user__username", "user__display_name")
    entries: dict[int, HelpEntry] = {}

    def entry(row: dict) -> HelpEntry:
        if row["user_id"] not in entries:
            entries[row["user_id"]] = HelpEntry(
                learner_id=row["user_id"], name=_name(row), username=row["user__username"]
            )
        return entries[row["user_id"]]

    for row in (
        CardState.objects.filter(
            user_id__in=members, card_id__in=_live_card_ids(), due__lt=now - OVERDUE_AFTER
        )
        .values(*who)
        .annotate(n=Count("pk"))
        .filter(n__gte=OVERDUE_MIN_CARDS)
        .order_by("-n", "user_id")[: HELP_LIMIT * 3]
    ):
        entry(row).overdue = row["n"]
    for row in (
        ReviewDay.objects.filter(
            user_id__in=members, day__gte=today - timedelta(days=AGAIN_WINDOW_DAYS - 1)
        )
        .values(*who)
        .annotate(again=Sum("again"), reviews=Sum("reviews"))
        .filter(again__gte=AGAIN_MIN)
        .order_by("-again", "user_id")[: HELP_LIMIT * 3]
    ):
        found = entry(row)
        found.again, found.reviews = row["again"], row["reviews"]
    for row in (
        Submission.objects.filter(user_id__in=members)
        .values(*who, "exercise__slug", "exercise__title")
        .annotate(
            fails=Count("pk", filter=Q(state=Submission.State.FAILED)),
            passes=Count("pk", filter=Q(state=Submission.State.PASSED)),
        )
        .filter(fails__gte=FAILS_MIN, passes=0)
        .order_by("-fails", "user_id", "exercise__slug")[: HELP_LIMIT * 3]
    ):
        entry(row).exercises.append(
            StruggledExercise(row["exercise__slug"], row["exercise__title"], row["fails"])
        )
    ranked = sorted(entries.values(), key=lambda e: (-e.severity, e.username))
    return ranked[:HELP_LIMIT]


def cohort_hardest_cards(*, cohort: Cohort, limit: int = HARDEST_LIMIT) -> list[HardCard]:
    """Cards with the highest lapse rate (Again ratings per review) among the cohort's learners
    who have seen them, at least HARDEST_MIN_LEARNERS of them (one query)."""
    rows = (
        CardState.objects.filter(user_id__in=_member_ids(cohort), card_id__in=_live_card_ids())
        .values(
            "card_id", "card__slug", "card__question_md", "card__lesson__title",
            "card__lesson__slug", "card__lesson__track__slug",
        )
        .annotate(
            learners=Count("pk"),
            lapsed=Count("pk", filter=Q(lapses__gt=0)),
            reps=Sum("reps"),
            lapses=Sum("lapses"),
        )
        .filter(learners__gte=HARDEST_MIN_LEARNERS, lapses__gt=0)
        .annotate(rate=F("lapses") * 1.0 / F("reps"))
        .order_by("-rate", "card_id")[:limit]
    )  # fmt: skip
    return [
        HardCard(
            card_id=row["card_id"],
            slug=row["card__slug"],
            question=Truncator(row["card__question_md"]).chars(160),
            lesson=row["card__lesson__title"],
            url=reverse(
                "content:lesson", args=[row["card__lesson__track__slug"], row["card__lesson__slug"]]
            )
            + f"#card-{row['card__slug']}",
            learners=row["learners"],
            lapsed_learners=row["lapsed"],
            reps=row["reps"],
            lapses=row["lapses"],
        )
        for row in rows
    ]


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
    members = _member_ids(cohort)
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


def cohort_activity(*, cohort: Cohort, today: date, zone: ZoneInfo) -> list[ActivityDay]:
    """Reviews, active learners and exercise runs per day over the last 30 days (two queries).
    Review days are the learners' own calendar days; runs are dated in the cohort's zone."""
    first = today - timedelta(days=ACTIVITY_DAYS - 1)
    members = _member_ids(cohort)
    days = {day: ActivityDay(day) for day in clock.days_between(first, today)}
    for row in (
        ReviewDay.objects.filter(user_id__in=members, day__gte=first, day__lte=today)
        .values("day")
        .annotate(reviews=Sum("reviews"), learners=Count("user_id"))
        .order_by()
    ):
        days[row["day"]].reviews = row["reviews"]
        days[row["day"]].learners = row["learners"]
    start = datetime.combine(first, time.min, tzinfo=zone).astimezone(UTC)
    for row in (
        Submission.objects.filter(user_id__in=members, created_at__gte=start)
        .annotate(day=TruncDate("created_at", tzinfo=zone))
        .values("day")
        .annotate(runs=Count("pk"), passes=Count("pk", filter=Q(state=Submission.State.PASSED)))
        .order_by()
    ):
        if row["day"] in days:
            days[row["day"]].runs = row["runs"]
            days[row["day"]].passes = row["passes"]
    return [days[day] for day in sorted(days)]


def cohort_figures_compute(*, cohort: Cohort, now: datetime) -> Figures:
    """Every cohort-wide figure, aggregated now over all of the cohort's learners (a fixed
    number of queries, each growing with the cohort: see CohortStats)."""
    zone = cohort_zone(cohort)
    today = now.astimezone(zone).date()
    return Figures(
        computed_at=now,
        zone=str(zone),
        today=today,
        summary=cohort_summary(cohort=cohort, today=today, now=now),
        help=cohort_help(cohort=cohort, now=now, today=today),
        hardest=cohort_hardest_cards(cohort=cohort),
        exercises=cohort_exercise_stats(cohort=cohort),
        activity=cohort_activity(cohort=cohort, today=today, zone=zone),
    )


def stats_max_age() -> timedelta:
    return timedelta(seconds=getattr(settings, "COHORT_STATS_MAX_AGE_SECONDS", 60))


def cohort_figures_get(*, cohort: Cohort, now: datetime) -> Figures | None:
    """The stored figures when they are fresh: computed less than the maximum age ago and
    after the last change of membership. None means: refresh them (services)."""
    stats = CohortStats.objects.filter(cohort=cohort).first()
    if stats is None or stats.is_stale(now=now, max_age=stats_max_age()):
        return None
    return Figures.from_data(stats.data)


# One learner -----------------------------------------------------------------------------

RECENT_REVIEWS = 50
RECENT_SUBMISSIONS = 30


@dataclass
class LearnerDetail:
    learner: object
    overall: Progress
    lessons: list[HeatCell]
    due_now: int
    overdue: int
    reviews_total: int
    again_total: int
    reviews: list[ReviewLog]
    submissions: list[Submission]
    last_active: date | None


def cohort_learner_detail(*, learner, now: datetime) -> LearnerDetail:
    """A learner's progress per lesson, their latest reviews and their latest submissions with
    per-test counts (seven queries, bounded by the learner, not by the cohort)."""
    lessons = cohort_lessons()
    cells = _cells_by_learner([learner.pk]).get(learner.pk, {})
    row = _heat_row(
        learner=learner, lessons=lessons, cells=cells, last_active=None, metric="mastered"
    )
    states = CardState.objects.filter(user=learner, card_id__in=_live_card_ids()).aggregate(
        due_now=Count("pk", filter=Q(due__lte=now)),
        overdue_now=Count("pk", filter=Q(due__lt=now - OVERDUE_AFTER)),
    )
    days = ReviewDay.objects.filter(user=learner).aggregate(
        reviews=Coalesce(Sum("reviews"), 0), again=Coalesce(Sum("again"), 0), last=Max("day")
    )
    reviews = list(
        ReviewLog.objects.filter(user=learner)
        .select_related("card__lesson__track")
        .order_by("-reviewed_at", "-pk")[:RECENT_REVIEWS]
    )
    submissions = list(
        Submission.objects.filter(user=learner)
        .select_related("exercise")
        .annotate(
            tests_passed=Count("results", filter=Q(results__status=TestResult.Status.PASS)),
            tests_total=Count("results"),
        )
        .order_by("-created_at", "-pk")[:RECENT_SUBMISSIONS]
    )
    return LearnerDetail(
        learner=learner,
        overall=row.overall,
        lessons=row.cells,
        due_now=states["due_now"],
        overdue=states["overdue_now"],
        reviews_total=days["reviews"],
        again_total=days["again"],
        reviews=reviews,
        submissions=submissions,
        last_active=days["last"],
    )


# Exports ---------------------------------------------------------------------------------

EXPORT_CHUNK = 500


def export_progress_rows(*, cohort: Cohort) -> Iterator[tuple[object, Lesson, Progress]]:
    """(learner, lesson, progress) for every learner and live lesson, learners by username.
    Streams: learners are read in chunks, each chunk's cells by the heatmap's own query."""
    lessons = cohort_lessons()
    learners = (
        User.objects.filter(cohort_memberships__cohort=cohort)
        .only("pk", "username", "display_name")
        .order_by("username", "pk")
    )
    chunk: list = []
    for learner in learners.iterator(chunk_size=EXPORT_CHUNK):
        chunk.append(learner)
        if len(chunk) == EXPORT_CHUNK:
            yield from _progress_chunk(chunk, lessons)
            chunk = []
    if chunk:
        yield from _progress_chunk(chunk, lessons)


def _progress_chunk(learners: list, lessons: list[Lesson]) -> Iterable:
    cells = _cells_by_learner([learner.pk for learner in learners])
    for learner in learners:
        row = _heat_row(
            learner=learner,
            lessons=lessons,
            cells=cells.get(learner.pk, {}),
            last_active=None,
            metric="mastered",
        )
        for cell in row.cells:
            yield learner, cell.lesson, cell.progress


def export_submissions(*, cohort: Cohort) -> Iterator[Submission]:
    """Every submission of the cohort's learners, oldest first, with `tests_passed`,
    `tests_total` and `failed_names` (the failed tests, in order)."""
    submissions = (
        Submission.objects.filter(user_id__in=_member_ids(cohort))
        .select_related("user", "exercise")
        .only(
            "pk", "state", "verdict", "created_at", "finished_at", "wall_ms",
            "user__username", "user__display_name", "exercise__slug",
        )
        .annotate(
            tests_passed=Count("results", filter=Q(results__status=TestResult.Status.PASS)),
            tests_total=Count("results"),
        )
        .order_by("created_at", "pk")
    )  # fmt: skip
    batch: list[Submission] = []
    for submission in submissions.iterator(chunk_size=EXPORT_CHUNK):
        batch.append(submission)
        if len(batch) == EXPORT_CHUNK:
            yield from _with_failed_names(batch)
            batch = []
    if batch:
        yield from _with_failed_names(batch)


def _with_failed_names(batch: list[Submission]) -> Iterable[Submission]:
    names: dict[int, list[str]] = defaultdict(list)
    wanted = [s.pk for s in batch if s.tests_passed < s.tests_total]
    if wanted:
        for submission_id, name in (
            TestResult.objects.filter(
                submission_id__in=wanted,
                status__in=[TestResult.Status.FAIL, TestResult.Status.ERROR],
            )
            .order_by("submission_id", "position")
            .values_list("submission_id", "name")
        ):
            names[submission_id].append(name)
    for submission in batch:
        submission.failed_names = names.get(submission.pk, [])
        yield submission
