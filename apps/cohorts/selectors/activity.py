"""Cohort-wide figures: the summary tiles (learners, who is active, reviews, exercises passed)
and the activity of the last 30 days, aggregated in the database over every learner."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db.models import Count, Exists, OuterRef, Q, Sum
from django.db.models.functions import Coalesce, TruncDate

from apps.cohorts.models import Cohort, Membership
from apps.cohorts.selectors.access import member_ids
from apps.core import clock
from apps.exercises.models import Submission
from apps.study.models import ReviewDay

ACTIVITY_DAYS = 30


@dataclass
class Summary:
    learners: int = 0
    active_7_days: int = 0
    reviews_7_days: int = 0
    reviews_30_days: int = 0
    exercises_passed: int = 0  # (learner, exercise) pairs with a passing run
    learners_passed: int = 0  # learners with at least one exercise passed


@dataclass
class ActivityDay:
    day: date
    reviews: int = 0
    learners: int = 0
    runs: int = 0
    passes: int = 0


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
        user_id__in=member_ids(cohort), day__gte=today - timedelta(days=ACTIVITY_DAYS - 1)
    ).aggregate(
        month=Coalesce(Sum("reviews"), 0),
        week=Coalesce(Sum("reviews", filter=Q(day__gte=week_start)), 0),
    )
    passes = Submission.objects.filter(
        user_id__in=member_ids(cohort), state=Submission.State.PASSED
    )
    return Summary(
        learners=people["learners"],
        active_7_days=people["active"],
        reviews_7_days=reviews["week"],
        reviews_30_days=reviews["month"],
        exercises_passed=passes.values("user_id", "exercise_id").distinct().count(),
        learners_passed=passes.values("user_id").distinct().count(),
    )


def cohort_activity(*, cohort: Cohort, today: date, zone: ZoneInfo) -> list[ActivityDay]:
    """Reviews, active learners and exercise runs per day over the last 30 days (two queries).
    Review days are the learners' own calendar days; runs are dated in the cohort's zone."""
    first = today - timedelta(days=ACTIVITY_DAYS - 1)
    members = member_ids(cohort)
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
