"""Time as the portal sees it (study schedules, cohort figures): now in UTC (what `fsrs`
requires), and calendar days in the learner's own time zone (what streaks and daily caps
count)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.utils import timezone


def now() -> datetime:
    """The current instant, tz-aware in UTC. Tests replace this function to move time."""
    return timezone.now().astimezone(UTC)


def learner_zone(user) -> ZoneInfo:
    try:
        return ZoneInfo(getattr(user, "time_zone", "") or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def local_date(*, user, moment: datetime) -> date:
    return moment.astimezone(learner_zone(user)).date()


def day_start(*, user, day: date) -> datetime:
    """The UTC instant at which `day` begins for this learner."""
    return datetime.combine(day, time.min, tzinfo=learner_zone(user)).astimezone(UTC)


def local_moment(*, user, day: date, at: time) -> datetime:
    return datetime.combine(day, at, tzinfo=learner_zone(user)).astimezone(UTC)


def days_between(first: date, last: date) -> list[date]:
    return [first + timedelta(days=offset) for offset in range((last - first).days + 1)]
