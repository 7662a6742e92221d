"""The heatmap: learners x lessons, live and paginated (a page reads its own learners' rows
only, in a fixed number of queries whatever the cohort's size).

Numbers and labels only; templatetags/cohort_tags.py writes a cell's markup. The learner
drill-down and the progress export read the same rows (`progress_rows`, `heat_row`).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from django.contrib.auth import get_user_model
from django.core.paginator import Page, Paginator
from django.db.models import Count, F, IntegerField, Max, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce, Lower, NullIf

from apps.cohorts.models import Cohort
from apps.content.models import Card, Lesson, live_card_q
from apps.study.models import CardState, ReviewDay, learned_q, mastered_q
from apps.study.selectors import Progress

User = get_user_model()

HEATMAP_PAGE_SIZE = 50
METRICS = {"mastered": "Mastered", "learned": "Learned", "seen": "Seen"}
METRIC_FILTERS = {"mastered": mastered_q(), "learned": learned_q(), "seen": Q()}


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
        .select_related("track")
        .annotate(card_count=Count("cards", filter=live_card_q("cards__")))
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
        CardState.objects.filter(user_id__in=user_ids, card_id__in=Card.objects.live().values("pk"))
        .values("user_id", "card__lesson_id")
        .annotate(
            seen=Count("pk"),
            learned=Count("pk", filter=learned_q()),
            mastered=Count("pk", filter=mastered_q()),
        )
        .order_by()
    )


def cells_by_learner(user_ids) -> dict[int, dict[int, dict]]:
    """`progress_rows` by learner, then by lesson."""
    cells: dict[int, dict[int, dict]] = defaultdict(dict)
    for row in progress_rows(user_ids=user_ids):
        cells[row["user_id"]][row["card__lesson_id"]] = row
    return cells


def heat_row(*, learner, lessons, cells: dict[int, dict], last_active, metric) -> HeatRow:
    """One learner's cells, a lesson at a time, and their total over every lesson."""
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
                live_card_q("card__"),
                user=OuterRef("pk"),
                card__lesson_id=lesson_id,
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
    cells = cells_by_learner(ids) if ids else {}
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
        heat_row(
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
