"""Reviews on the FSRS schedule: record one rating, move the card along its schedule, keep the
per-day counts, and queue a refit of the learner's memory model every few hundred reviews."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import F, JSONField, OuterRef, Subquery, Sum
from fsrs import Rating

from apps.content.models import Card
from apps.core import clock, interview_dates
from apps.study import fits, memory, planning, scheduling, tasks
from apps.study.models import CardState, MemoryFit, ReviewDay, ReviewLog, StudyPlan

MAX_DURATION_MS = 6 * 60 * 60 * 1000  # longer than this is a forgotten tab, not thinking time
_ATTEMPTS = 3


class ReviewError(ValueError):
    """A review that cannot be recorded (unknown rating or source, malformed key)."""


def review_record(
    *,
    user,
    card: Card,
    rating: int,
    duration_ms: int | None = None,
    source: str = ReviewLog.Source.REVIEW,
    idempotency_key: str | None = None,
) -> ReviewLog:
    """Record one review of `card` by `user` and move the card along its FSRS schedule.

    rating: a ReviewLog.Rating (Again, Hard, Good, Easy: 1 to 4). source: a ReviewLog.Source.
    A repeated `idempotency_key` (double click, retried post, re-run task) returns the log the
    first call made and changes nothing. Concurrent reviews of the same card are serialised on
    the card's state row, so each applies to the state the previous one left.
    """
    rating = _valid_rating(rating)
    if source not in ReviewLog.Source.values:
        raise ReviewError(f"unknown review source {source!r}")
    key = idempotency_key or uuid.uuid4().hex
    if not 1 <= len(key) <= 64:
        raise ReviewError("idempotency_key must be 1 to 64 characters")
    if duration_ms is not None:
        duration_ms = min(max(int(duration_ms), 0), MAX_DURATION_MS)

    for attempt in range(_ATTEMPTS):
        try:
            with transaction.atomic():
                return _review_apply(
                    user=user, card=card, rating=rating, duration_ms=duration_ms,
                    source=source, key=key,
                )  # fmt: skip
        except IntegrityError:
            # Another request won a race: the same key (the next pass finds its log under the
            # lock and returns it) or the first review of this card or day (retry on top of it).
            if attempt == _ATTEMPTS - 1:
                raise
    raise AssertionError("unreachable")


def _valid_rating(rating) -> int:
    try:
        return int(Rating(int(rating)))
    except (TypeError, ValueError) as exc:
        raise ReviewError(f"rating must be 1, 2, 3 or 4, not {rating!r}") from exc


def _review_apply(*, user, card, rating, duration_ms, source, key) -> ReviewLog:
    state = CardState.objects.select_for_update().filter(user=user, card=card).first()
    now = clock.now()
    # Checked under the lock, so a concurrent post with this key has either committed (and is
    # found here) or will find this one. The same query reads what the schedule aims at.
    context = _review_context(user=user, key=key, today=clock.local_date(user=user, moment=now))
    if context.existing_log is not None:
        return ReviewLog.objects.get(pk=context.existing_log)

    if state is None:
        before = None
        fsrs_card = scheduling.fsrs_card_new(card_id=card.pk, now=now)
        state = CardState(user=user, card=card, created_at=now)
    else:
        before = state.fsrs
        fsrs_card = scheduling.fsrs_card_load(state.fsrs)
    aim = context.aim(user=user, now=now)
    after = scheduling.review(fsrs_card, rating, now=now, aim=aim, duration_ms=duration_ms)

    state.fsrs = after.to_dict()
    state.state = int(after.state)
    state.stability = after.stability
    state.difficulty = after.difficulty
    state.due = after.due
    state.last_review = after.last_review
    state.reps += 1
    state.lapses = scheduling.lapses_after(lapses=state.lapses, rating=rating)
    state.save()

    log = ReviewLog.objects.create(
        user=user,
        card=card,
        rating=rating,
        duration_ms=duration_ms,
        source=source,
        state_before=before,
        state_after=state.fsrs,
        reviewed_at=now,
        idempotency_key=key,
    )
    day = clock.local_date(user=user, moment=now)
    again = 1 if rating == Rating.Again else 0
    updated = ReviewDay.objects.filter(user=user, day=day).update(
        reviews=F("reviews") + 1, again=F("again") + again
    )
    if not updated:
        ReviewDay.objects.create(user=user, day=day, reviews=1, again=again)
    _fit_when_due(user=user, count=context.reviews_before + 1)
    return log


@dataclass(frozen=True)
class _ReviewContext:
    """Everything a review needs beyond the card's state, read in one query: a log already
    recorded under this key, the learner's plan (date, target), their adopted fit, the
    population fit, their cohort's date, and how many reviews they had (the sum of their
    per-day counts, which every review updates: no count over the log)."""

    existing_log: int | None
    plan_date: date | None
    plan_target: float | None
    own: list | None
    population: list | None
    cohort_date: date | None  # the nearest date set for them elsewhere (apps.core.interview_dates)
    reviews_before: int

    def aim(self, *, user, now) -> scheduling.Aim:
        """As selectors.study_aim, from the values read here."""
        parameters = self.own or self.population or memory.DEFAULT_PARAMETERS
        interview = self.plan_date or self.cohort_date
        moment = (
            clock.local_moment(user=user, day=interview, at=planning.INTERVIEW_TIME)
            if interview
            else None
        )
        if moment is not None and moment <= now:
            moment = None  # after the date: the ordinary long-term schedule
        target = self.plan_target if self.plan_target is not None else planning.TARGET_DEFAULT
        return scheduling.Aim(
            parameters=tuple(parameters), interview=moment, target=planning.clamp_target(target)
        )


def _review_context(*, user, key: str, today: date) -> _ReviewContext:
    def first(queryset, field, output=None):
        return Subquery(queryset.values(field)[:1], output_field=output)

    adopted = MemoryFit.objects.filter(adopted=True).order_by("-created_at", "-pk")
    plan = StudyPlan.objects.filter(user=OuterRef("pk"))
    annotations = {
        "existing_log": first(
            ReviewLog.objects.filter(user=OuterRef("pk"), idempotency_key=key), "pk"
        ),
        "plan_date": first(plan, "interview_date"),
        "plan_target": first(plan, "target_recall"),
        "own": first(adopted.filter(user=OuterRef("pk")), "parameters", JSONField()),
        "population": first(adopted.filter(user__isnull=True), "parameters", JSONField()),
        "reviews_before": Subquery(
            ReviewDay.objects.filter(user=OuterRef("pk"))
            .values("user")
            .annotate(total=Sum("reviews"))
            .values("total")[:1]
        ),
    }
    elsewhere = interview_dates.nearest_subqueries(user=OuterRef("pk"), today=today)
    for index, subquery in enumerate(elsewhere):
        annotations[f"date_elsewhere_{index}"] = subquery
    row = (
        get_user_model().objects.filter(pk=user.pk).annotate(**annotations)
        .values(*annotations).first()
    ) or {}  # fmt: skip
    dates = [row.get(f"date_elsewhere_{index}") for index in range(len(elsewhere))]
    return _ReviewContext(
        existing_log=row.get("existing_log"),
        plan_date=row.get("plan_date"),
        plan_target=row.get("plan_target"),
        own=row.get("own"),
        population=row.get("population"),
        cohort_date=min((day for day in dates if day is not None), default=None),
        reviews_before=row.get("reviews_before") or 0,
    )


def _fit_when_due(*, user, count: int) -> None:
    """Every few hundred reviews (`count`: the learner's reviews with this one), queue a refit
    of the learner's memory model (after commit, in a worker: never in the request)."""
    if fits.review_count_reached(count=count):
        tasks.memory_fit_enqueue_on_commit(user_id=user.pk)
