"""Cohort-wide figure: who needs help. Learners with many overdue reviews, many Again ratings
this week, or an exercise failed again and again without a pass. The thresholds are printed on
the dashboard next to the list (Figures carries them)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db.models import Count, Q, Sum

from apps.cohorts.models import Cohort
from apps.cohorts.selectors.access import member_ids
from apps.content.models import Card
from apps.exercises.models import Submission
from apps.study.models import CardState, ReviewDay

OVERDUE_AFTER = timedelta(days=1)  # a card due for more than a day is overdue
OVERDUE_MIN_CARDS = 10
AGAIN_WINDOW_DAYS = 7
AGAIN_MIN = 8
FAILS_MIN = 3  # failed runs of one exercise, never passed
HELP_LIMIT = 20


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


def _name(row: dict) -> str:
    return row["user__display_name"] or row["user__username"]


def cohort_help(*, cohort: Cohort, now: datetime, today: date) -> list[HelpEntry]:
    """Learners to look at: many overdue reviews, many Again ratings this week, or an exercise
    failed again and again without a pass (three queries, names included, whatever the data).
    The most urgent first."""
    members = member_ids(cohort)
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
            user_id__in=members,
            card_id__in=Card.objects.live().values("pk"),
            due__lt=now - OVERDUE_AFTER,
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
