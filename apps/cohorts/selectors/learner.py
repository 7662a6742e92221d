"""One learner of a cohort, for their instructor: progress per lesson (the heatmap's own
rows), what is due, and their latest reviews and exercise runs."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from django.db.models import Count, Max, Q, Sum
from django.db.models.functions import Coalesce

from apps.cohorts.selectors.heatmap import HeatCell, cells_by_learner, cohort_lessons, heat_row
from apps.cohorts.selectors.needs_help import OVERDUE_AFTER
from apps.content.models import Card
from apps.exercises.models import Submission, TestResult
from apps.study.models import CardState, ReviewDay, ReviewLog
from apps.study.selectors import Progress

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
    cells = cells_by_learner([learner.pk]).get(learner.pk, {})
    row = heat_row(
        learner=learner, lessons=lessons, cells=cells, last_active=None, metric="mastered"
    )
    states = CardState.objects.filter(
        user=learner, card_id__in=Card.objects.live().values("pk")
    ).aggregate(
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
