"""The cohort-wide figures as one document: computed over every learner of the cohort, and
stored as JSON in CohortStats.data (`Figures.to_data` / `Figures.from_data`), because they grow
with the cohort. services.cohort_stats_refresh rebuilds the stored document when it is older
than COHORT_STATS_MAX_AGE_SECONDS or a membership changed; the dashboard reads it.

Plain values only (ids, names, numbers), so the document survives a round trip through JSON.
Each figure is computed by its own module: activity (summary and the 30 days), needs_help,
hardest, exercise_stats.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date, datetime, timedelta

from django.conf import settings

from apps.cohorts.models import Cohort, CohortStats
from apps.cohorts.selectors.access import cohort_zone
from apps.cohorts.selectors.activity import (
    ActivityDay,
    Summary,
    cohort_activity,
    cohort_summary,
)
from apps.cohorts.selectors.exercise_stats import (
    CommonMistake,
    ExerciseStats,
    FailedTest,
    cohort_exercise_stats,
)
from apps.cohorts.selectors.hardest import HARDEST_MIN_LEARNERS, HardCard, cohort_hardest_cards
from apps.cohorts.selectors.needs_help import (
    AGAIN_MIN,
    AGAIN_WINDOW_DAYS,
    FAILS_MIN,
    HELP_LIMIT,
    OVERDUE_AFTER,
    OVERDUE_MIN_CARDS,
    HelpEntry,
    StruggledExercise,
    cohort_help,
)
from apps.core import charts


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
