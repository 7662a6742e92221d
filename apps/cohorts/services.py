"""Writes to cohorts: creating and editing them, renewing the join code, memberships (join,
leave, remove), and the snapshot of cohort-wide figures the dashboard reads.

Callers have already checked who may act (selectors.cohort_get 404s for anyone else);
cohort_create checks the role itself because there is no cohort to look up first."""

from __future__ import annotations

import re
import secrets
from datetime import date

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction

from apps.cohorts import selectors
from apps.cohorts.models import Cohort, CohortStats, Membership
from apps.core import clock

# No 0/O, 1/I/L: codes are read aloud and typed from slides.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 10


class JoinRefused(Exception):
    """A join that cannot happen; `str(exc)` is the message for the learner."""


def join_code_new() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def join_code_normalise(code: str) -> str:
    """What people type: any case, with or without the dash or spaces."""
    return re.sub(r"[^A-Z0-9]", "", code.upper())


def can_teach(user) -> bool:
    return bool(user.is_authenticated and (user.is_staff or user.is_instructor))


def _with_fresh_code(save) -> Cohort:
    # A clash among 31^10 codes is vanishingly rare, but the unique constraint is the arbiter.
    for _ in range(5):
        try:
            with transaction.atomic():
                return save(join_code_new())
        except IntegrityError:
            continue
    raise RuntimeError("could not find a free join code")


def cohort_create(*, instructor, name: str, interview_date: date | None = None) -> Cohort:
    if not can_teach(instructor):
        raise PermissionDenied("Only instructors and staff create cohorts.")

    def save(code: str) -> Cohort:
        return Cohort.objects.create(
            name=name.strip(),
            instructor=instructor,
            join_code=code,
            interview_date=interview_date,
            created_at=clock.now(),
        )

    return _with_fresh_code(save)


def cohort_update(*, cohort: Cohort, name: str, interview_date: date | None) -> Cohort:
    cohort.name = name.strip()
    cohort.interview_date = interview_date
    cohort.save(update_fields=["name", "interview_date"])
    return cohort


def cohort_join_code_renew(*, cohort: Cohort) -> Cohort:
    """A new code and link; the old ones stop working (members stay)."""

    def save(code: str) -> Cohort:
        cohort.join_code = code
        cohort.save(update_fields=["join_code"])
        return cohort

    return _with_fresh_code(save)


def cohort_join(*, user, cohort: Cohort) -> tuple[Membership, bool]:
    """(membership, created). Joining twice, or two tabs racing, gives the one membership."""
    if cohort.instructor_id == user.pk:
        raise JoinRefused("You teach this cohort, so you follow it from its dashboard.")
    existing = Membership.objects.filter(cohort=cohort, user=user).first()
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():
            membership = Membership.objects.create(cohort=cohort, user=user, joined_at=clock.now())
            cohort_stats_invalidate(cohort=cohort)
            return membership, True
    except IntegrityError:
        return Membership.objects.get(cohort=cohort, user=user), False


def cohort_leave(*, user, cohort: Cohort) -> bool:
    """The learner leaves; their study history stays theirs. False when not a member."""
    with transaction.atomic():
        deleted, _ = Membership.objects.filter(cohort=cohort, user=user).delete()
        if deleted:
            cohort_stats_invalidate(cohort=cohort)
    return bool(deleted)


def cohort_learner_remove(*, cohort: Cohort, learner) -> bool:
    """The instructor removes a learner. They can join again while they have the code: renew
    it to keep them out."""
    return cohort_leave(user=learner, cohort=cohort)


# The dashboard's snapshot -----------------------------------------------------------------


def cohort_stats_invalidate(*, cohort: Cohort) -> None:
    """Membership changed: the next dashboard view recomputes the figures."""
    CohortStats.objects.filter(cohort=cohort).update(invalidated_at=clock.now())


def cohort_stats_refresh(*, cohort: Cohort) -> selectors.Figures:
    """Aggregate the cohort-wide figures now and store them; returns what it computed.

    The aggregation runs outside any lock (it only reads). The write replaces the stored
    document only when it is older than this one, so a slow refresh finishing after a quicker,
    later one never puts older figures back; the unique cohort row settles two first writes.
    """
    now = clock.now()
    figures = selectors.cohort_figures_compute(cohort=cohort, now=now)
    data = figures.to_data()
    updated = CohortStats.objects.filter(cohort=cohort, computed_at__lt=now).update(
        computed_at=now, data=data
    )
    if not updated and not CohortStats.objects.filter(cohort=cohort).exists():
        try:
            with transaction.atomic():
                CohortStats.objects.create(cohort=cohort, computed_at=now, data=data)
        except IntegrityError:
            pass  # a concurrent refresh stored its figures first; both are current
    return figures
