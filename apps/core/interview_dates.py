"""Interview dates that someone else set for a learner: their cohort's, set by its instructor.

The study plan aims at the learner's own interview date, else the nearest one found here. The
apps that know such dates register a source in their `AppConfig.ready()` (cohorts does), so
study reads them without importing those apps: they import study, and an import back would
make a circle. With no source registered (no cohorts app), a learner has only their own date.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from django.db.models import QuerySet, Subquery

# A source: (*, user, today) -> the learner's interview dates from `today` on, nearest first,
# as a values_list queryset. `user` is a User, a primary key or an OuterRef("pk"), so the same
# source answers a direct read and a subquery inside someone else's query.
Source = Callable[..., QuerySet]

_sources: list[Source] = []


def register(source: Source) -> None:
    if source not in _sources:
        _sources.append(source)


def nearest(*, user, today: date) -> date | None:
    """The nearest registered date, today or later (one query per source)."""
    found = [day for source in _sources if (day := source(user=user, today=today).first())]
    return min(found, default=None)


def nearest_subqueries(*, user, today: date) -> list[Subquery]:
    """`nearest` as annotations of a query over users (`user`: OuterRef("pk")), one per
    source: the smallest non-null value among them is the nearest date."""
    return [Subquery(source(user=user, today=today)[:1]) for source in _sources]
