"""Each learner's memory model: which FSRS parameters schedule them (a read), fitting new ones
from review logs and adopting them only when they predict better (writes, run by Celery tasks,
never in a request), and rescheduling a learner's cards when their parameters change.
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import OuterRef, Subquery

from apps.core import clock
from apps.study import memory, planning
from apps.study.models import CardState, MemoryFit, ReviewLog, StudyPlan, interview_date_for

logger = logging.getLogger(__name__)

POPULATION_MAX_REVIEWS = 200_000  # the latest ones; a nightly fit stays within seconds


def fit_every_reviews() -> int:
    return int(getattr(settings, "STUDY_FIT_EVERY_REVIEWS", 300))


# Reads ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MemoryInUse:
    """The parameters that schedule a learner, and where they come from."""

    parameters: tuple[float, ...]
    kind: str  # "own", "population" or "default"
    fit: MemoryFit | None  # the learner's adopted fit, when kind == "own"
    population: MemoryFit | None

    @property
    def label(self) -> str:
        return {
            "own": "fitted to your reviews",
            "population": "fitted to all learners' reviews",
            "default": "FSRS's published defaults",
        }[self.kind]


def memory_in_use(*, user) -> MemoryInUse:
    """Two queries: the learner's latest adopted fit and the population's."""
    own = (
        MemoryFit.objects.filter(user=user, adopted=True).order_by("-created_at", "-pk").first()
        if user is not None and getattr(user, "pk", None)
        else None
    )
    population = population_fit()
    if own is not None:
        return MemoryInUse(tuple(own.parameters), "own", own, population)
    if population is not None:
        return MemoryInUse(tuple(population.parameters), "population", None, population)
    return MemoryInUse(memory.DEFAULT_PARAMETERS, "default", None, None)


def population_fit() -> MemoryFit | None:
    return (
        MemoryFit.objects.filter(user__isnull=True, adopted=True)
        .order_by("-created_at", "-pk")
        .first()
    )


def _days(moment: datetime) -> float:
    return moment.timestamp() / 86_400


def reviews_of(*, user) -> list[memory.Review]:
    """The learner's log as the fit sees it: days on the learner's own calendar (a review at
    23:00 and one at 07:00 the next morning are a day apart, as fsrs-rs counts days)."""
    zone = clock.learner_zone(user)
    rows = (
        ReviewLog.objects.filter(user=user)
        .order_by("reviewed_at", "pk")
        .values_list("card_id", "reviewed_at", "rating", "source")
    )
    result = []
    for card_id, reviewed_at, rating, source in rows.iterator(chunk_size=5000):
        day = _days(reviewed_at.astimezone(zone).replace(tzinfo=UTC))
        result.append(memory.Review(card_id, day, rating, source))
    return result


# Writes -----------------------------------------------------------------------------------


def _fit_save(*, user, outcome: memory.FitOutcome, seconds: float) -> MemoryFit:
    def part(score: memory.Score | None, name: str):
        if score is None or not math.isfinite(getattr(score, name)):
            return None
        return round(getattr(score, name), 6)

    return MemoryFit.objects.create(
        user=user,
        created_at=clock.now(),
        parameters=list(outcome.parameters),
        reviews=outcome.reviews,
        train_items=outcome.train_items,
        test_items=outcome.test_items,
        log_loss=part(outcome.score, "log_loss"),
        rmse_bins=part(outcome.score, "rmse_bins"),
        previous_log_loss=part(outcome.previous, "log_loss"),
        previous_rmse_bins=part(outcome.previous, "rmse_bins"),
        population_log_loss=part(outcome.population, "log_loss"),
        population_rmse_bins=part(outcome.population, "rmse_bins"),
        sources=outcome.sources or {},
        adopted=outcome.adopted,
        note=outcome.note[:200],
        seconds=round(seconds, 3),
    )


def memory_fit_learner(*, user) -> MemoryFit:
    """Fit the learner's own parameters, keep the fit with its held-out metrics, and adopt it
    (then reschedule their cards) only when it predicts their later reviews better than the
    parameters in use."""
    started = time.monotonic()
    in_use = memory_in_use(user=user)
    population = in_use.population.parameters if in_use.population else None
    outcome = memory.fit_and_judge(
        reviews_of(user=user), in_use=in_use.parameters, population=population
    )
    with transaction.atomic():
        fit = _fit_save(user=user, outcome=outcome, seconds=time.monotonic() - started)
        if fit.adopted:
            cards_reschedule(user=user, parameters=outcome.parameters)
    logger.info("memory fit for learner %s: %s", user.pk, fit.note)
    return fit


def memory_fit_population() -> MemoryFit:
    """One fit over every learner's directly given ratings (the latest 200,000), the
    parameters for learners whose own fit is not yet trustworthy. Adopted on the same rule."""
    started = time.monotonic()
    rows = (
        ReviewLog.objects.filter(source__in=memory.BASE_SOURCES)
        .order_by("-reviewed_at")
        .values_list("user_id", "card_id", "reviewed_at", "rating", "source")[
            :POPULATION_MAX_REVIEWS
        ]
    )
    reviews = [
        memory.Review(user_id * 1_000_000 + card_id, _days(at), rating, source)
        for user_id, card_id, at, rating, source in rows
    ]
    current = population_fit()
    in_use = tuple(current.parameters) if current else memory.DEFAULT_PARAMETERS
    outcome = memory.fit_and_judge(reviews, in_use=in_use, population=None)
    fit = _fit_save(user=None, outcome=outcome, seconds=time.monotonic() - started)
    logger.info("population memory fit: %s", fit.note)
    return fit


def learners_due_a_fit() -> list[int]:
    """Learners with at least `fit_every_reviews()` reviews since their last fit (or ever):
    what the nightly job refits."""
    last_fit = (
        MemoryFit.objects.filter(user=OuterRef("pk")).order_by("-created_at").values("created_at")
    )
    result = []
    learners = get_user_model().objects.filter(review_logs__isnull=False).distinct()
    for user in learners.annotate(last_fit=Subquery(last_fit[:1])).only("pk"):
        logs = ReviewLog.objects.filter(user=user)
        if user.last_fit is not None:
            logs = logs.filter(reviewed_at__gt=user.last_fit)
        if logs.count() >= fit_every_reviews():
            result.append(user.pk)
    return result


def review_count_reached(*, count: int) -> bool:
    """After every `fit_every_reviews()` reviews, the learner's model is refitted."""
    every = fit_every_reviews()
    return every > 0 and count > 0 and count % every == 0


def cards_reschedule(*, user, parameters, now: datetime | None = None) -> int:
    """Replay each reviewed card's log under new parameters, set its stability, difficulty and
    due day by the plan's rule, and spread what falls due over the coming days within the
    learner's daily capacity, so new parameters never dump a backlog on one day. Cards still in
    their same-day learning steps keep their state. Returns the number of cards changed."""
    now = now or clock.now()
    w = tuple(parameters)
    plan = StudyPlan.objects.filter(user=user).first() or StudyPlan(user=user)
    states = list(CardState.objects.learned().filter(user=user))
    if not states:
        return 0
    logs: dict[int, list[memory.Review]] = {}
    for review in reviews_of(user=user):
        logs.setdefault(review.card, []).append(review)

    today = clock.local_date(user=user, moment=now)
    today_start = clock.day_start(user=user, day=today)
    interview = interview_date_for(user=user, plan=plan, today=today)
    date_day = (
        (clock.local_moment(user=user, day=interview, at=planning.INTERVIEW_TIME) - today_start)
        .total_seconds() / 86_400
        if interview and interview >= today
        else None
    )  # fmt: skip
    budget = plan_budget(plan=plan, seconds_per_review=planning.SECONDS_PER_REVIEW_DEFAULT)
    horizon = 60
    capacities = [budget.capacity(today + timedelta(days=i)) for i in range(horizon)]
    if not budget.limited:
        capacities = [float(max(20, len(states) // 7))] * horizon

    planned: list[tuple[CardState, memory.Memory, float]] = []
    for state in states:
        history = logs.get(state.card_id, [])
        if not history:
            continue
        mem = memory.first_memory(w, history[0].rating)
        for previous, review in zip(history, history[1:], strict=False):
            elapsed = math.floor(review.day) - math.floor(previous.day)
            mem = memory.next_memory(w, mem, review.rating, elapsed)
        last_day = (state.last_review - today_start).total_seconds() / 86_400
        due = planning.latest_due_day(
            w,
            stability=mem.stability,
            last_day=last_day,
            date_day=date_day,
            target=planning.clamp_target(plan.target_recall),
        )
        planned.append((state, mem, due))

    days = planning.spread([planning.review_day(due) for _, _, due in planned], capacities)
    for (state, mem, due), day in zip(planned, days, strict=True):
        moved = day > planning.review_day(due)
        moment = today_start + timedelta(days=day if moved else due)
        state.stability = mem.stability
        state.difficulty = mem.difficulty
        state.due = moment
        state.fsrs = {
            **state.fsrs,
            "stability": mem.stability,
            "difficulty": mem.difficulty,
            "due": moment.isoformat(),
        }
    CardState.objects.bulk_update(
        [state for state, _, _ in planned], ["stability", "difficulty", "due", "fsrs"]
    )
    return len(planned)


def plan_budget(*, plan: StudyPlan, seconds_per_review: float) -> planning.Budget:
    days_off = set()
    for value in plan.days_off or []:
        try:
            days_off.add(date.fromisoformat(value))
        except (TypeError, ValueError):
            continue
    return planning.Budget(
        minutes=plan.budget_minutes,
        reviews=plan.budget_reviews if plan.budget_minutes is None else None,
        easy_weekdays=frozenset(int(d) for d in plan.easy_weekdays or [] if 0 <= int(d) <= 6),
        days_off=frozenset(days_off),
        seconds_per_review=seconds_per_review,
    )
