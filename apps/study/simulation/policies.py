"""One simulated learner studying until the date under one policy: `baseline` (FSRS
defaults, the date ignored), `optimized` (the adopted fit, the date ignored) or `portal` (the
adopted fit and the plan's rule), with the nightly refit every few hundred reviews."""

from __future__ import annotations

import math
import random
import statistics
import time
from datetime import date, timedelta

from apps.study import memory, planning
from apps.study.simulation.judging import judge_fit
from apps.study.simulation.learners import (
    FIRST_RATINGS,
    NEW_CARD_FACTOR,
    RELEARN_DAYS,
    REVIEW_RATINGS,
    Course,
    Learner,
    LearnerResult,
    pick,
)

POLICIES = ("baseline", "optimized", "portal")
FIT_EVERY_REVIEWS = 300  # as STUDY_FIT_EVERY_REVIEWS
MIN_REVIEWS_JUDGED = 400  # goal 2 judges learners with at least this many reviews
BASELINE_NEW_PER_DAY = 10


def _replay(w, history: list[tuple[int, int]]) -> tuple[memory.Memory, int]:
    mem = memory.first_memory(w, history[0][1])
    for (day0, _), (day1, rating) in zip(history, history[1:], strict=False):
        mem = memory.next_memory(w, mem, rating, day1 - day0)
    return mem, history[-1][0]


def run_learner(
    learner: Learner,
    *,
    policy: str,
    course: Course,
    days: int,
    skip_days: float,
    population: tuple[float, ...],
    budget_minutes: float | None,
    target: float = planning.TARGET_DEFAULT,
) -> LearnerResult:
    rng = random.Random(learner.seed)  # the same days skipped and draws under every policy
    w = memory.DEFAULT_PARAMETERS if policy == "baseline" else population
    aims_at_date = policy == "portal"
    date_day = days
    today = date(2026, 1, 5)
    n = len(course.tracks)
    truth: dict[int, memory.Memory] = {}
    believed: dict[int, memory.Memory] = {}
    last: dict[int, int] = {}
    due: dict[int, float] = {}
    history: dict[int, list[tuple[int, int]]] = {}
    log: list[memory.Review] = []
    next_new = 0
    minutes_per_day = [0.0] * days
    reviews_since_fit = 0
    fits = 0
    fit_seconds: list[float] = []
    seconds_seen: list[float] = []
    budget = planning.Budget(minutes=budget_minutes) if budget_minutes else planning.Budget()
    last_start = (
        planning.last_new_day(w, date_day=date_day, target=target) if aims_at_date else None
    )
    predicted_week_before: dict[int, float] = {}

    def next_due(mem: memory.Memory, day: int) -> float:
        if aims_at_date:
            return planning.latest_due_day(
                w, stability=mem.stability, last_day=day, date_day=date_day, target=target
            )
        return planning.ordinary_due(w, stability=mem.stability, last_day=day)

    def duration(new: bool) -> float:
        seconds = learner.seconds_median * math.exp(rng.gauss(0, 0.5))
        return seconds * (NEW_CARD_FACTOR if new else 1.0)

    def relearn(card: int, day: int) -> float:
        """The relearning step later the same day (the portal's 10 minutes): seen again, and
        rated Good if recalled. Returns its seconds."""
        recalled = rng.random() < memory.retrievability(
            learner.true_w, truth[card].stability, RELEARN_DAYS
        )
        rating = memory.GOOD if recalled else memory.AGAIN
        truth[card] = memory.next_memory(learner.true_w, truth[card], rating, 0)
        believed[card] = memory.next_memory(w, believed[card], rating, 0)
        history[card].append((day, rating))
        due[card] = next_due(believed[card], day)
        log.append(memory.Review(card, day + 0.51, rating))
        return duration(False)

    def predicted(at_day: int) -> dict[int, float]:
        per_track: dict[int, list[float]] = {}
        for card, track in enumerate(course.tracks):
            value = 0.0
            if card in believed:
                value = memory.retrievability(w, believed[card].stability, date_day - last[card])
            per_track.setdefault(track, []).append(value)
        return {track: sum(v) / len(v) for track, v in per_track.items()}

    for day in range(days):
        if policy != "baseline" and reviews_since_fit >= FIT_EVERY_REVIEWS:
            # The nightly job: refit, adopt only if better on held-out reviews, reschedule.
            started = time.monotonic()
            outcome = memory.fit_and_judge(log, in_use=w, population=population)
            fit_seconds.append(time.monotonic() - started)
            fits += 1
            reviews_since_fit = 0
            if outcome.adopted:
                w = outcome.parameters
                for card, cards_history in history.items():
                    believed[card], _ = _replay(w, cards_history)
                    due[card] = next_due(believed[card], last[card])
                if aims_at_date:
                    last_start = planning.last_new_day(w, date_day=date_day, target=target)
        if day == days - 7:
            predicted_week_before = _plan_forecast(
                w, course, believed, last, day, date_day, target, budget, seconds_seen,
                next_new, aims_at_date,
            )  # fmt: skip
        if rng.random() < skip_days:
            continue
        pace = statistics.fmean(seconds_seen[-200:]) if seconds_seen else 20.0
        room = budget.capacity(today + timedelta(days=day)) if budget.limited else math.inf
        room = room * budget.seconds_per_review / pace if budget.limited else room
        spent = 0.0
        for card in sorted((c for c in due if due[c] <= day + 1e-9), key=due.get):
            if room < 1:
                break
            elapsed = day - last[card]
            recalled = rng.random() < memory.retrievability(
                learner.true_w, truth[card].stability, elapsed
            )
            rating = pick(rng, REVIEW_RATINGS) if recalled else memory.AGAIN
            truth[card] = memory.next_memory(learner.true_w, truth[card], rating, elapsed)
            believed[card] = memory.next_memory(w, believed[card], rating, elapsed)
            last[card] = day
            history[card].append((day, rating))
            due[card] = next_due(believed[card], day)
            log.append(memory.Review(card, day + 0.5, rating))
            seconds = duration(False)
            seconds_seen.append(seconds)
            spent += seconds
            room -= 1
            reviews_since_fit += 1
            if rating == memory.AGAIN:
                spent += relearn(card, day)
                reviews_since_fit += 1
        if aims_at_date:
            may_start = last_start is not None and day <= last_start
            days_left = (last_start - day + 1) if may_start else 1
            cap = max(BASELINE_NEW_PER_DAY, math.ceil((n - next_new) / days_left))
        else:
            may_start, cap = True, BASELINE_NEW_PER_DAY
        introduced = 0
        while may_start and next_new < n and introduced < cap and room >= planning.NEW_CARD_COST:
            card = next_new
            next_new += 1
            rating = pick(rng, FIRST_RATINGS)
            truth[card] = memory.first_memory(learner.true_w, rating)
            believed[card] = memory.first_memory(w, rating)
            last[card] = day
            history[card] = [(day, rating)]
            due[card] = next_due(believed[card], day)
            log.append(memory.Review(card, day + 0.5, rating))
            seconds = duration(True)
            seconds_seen.append(seconds / NEW_CARD_FACTOR)
            spent += seconds
            room -= planning.NEW_CARD_COST
            introduced += 1
            reviews_since_fit += 1
        minutes_per_day[day] = spent / 60

    recall_cards: dict[int, list[float]] = {}
    below = 0
    for card, track in enumerate(course.tracks):
        value = 0.0
        if card in truth:
            value = memory.retrievability(
                learner.true_w, truth[card].stability, date_day - last[card]
            )
        below += value < 0.85
        recall_cards.setdefault(track, []).append(value)
    result = LearnerResult(
        recall_per_track={t: sum(v) / len(v) for t, v in recall_cards.items()},
        predicted_per_track=predicted(days),
        predicted_week_before=predicted_week_before,
        cards_below_85=below,
        cards=n,
        reviews=len(log),
        minutes=sum(minutes_per_day),
        busiest_day_minutes=max(minutes_per_day, default=0.0),
        daily_minutes=minutes_per_day,
        fits=fits,
        fit_seconds=fit_seconds,
    )
    if policy == "portal" and len(log) >= MIN_REVIEWS_JUDGED:
        judge_fit(result, log=log, true_w=learner.true_w, population=population)
    return result


def _plan_forecast(
    w, course, believed, last, day, date_day, target, budget, seconds_seen, next_new, aims
) -> dict[int, float]:
    """The plan's forecast a week before the date: recall per track on the date if the plan is
    followed (what the plan page shows)."""
    cards = []
    for card, track in enumerate(course.tracks):
        if card in believed:
            cards.append(
                planning.PlanCard(
                    card=card,
                    track=track,
                    stability=believed[card].stability,
                    difficulty=believed[card].difficulty,
                    last_day=float(last[card] - day),
                )
            )
        else:
            cards.append(planning.PlanCard(card=card, track=track))
    today = date(2026, 1, 5) + timedelta(days=day)
    pace = statistics.fmean(seconds_seen[-200:]) if seconds_seen else 20.0
    plan_budget = (
        planning.Budget(minutes=budget.minutes, seconds_per_review=pace)
        if budget.minutes
        else planning.Budget()
    )
    result = planning.plan(
        w,
        cards=cards,
        today=today,
        interview=today + timedelta(days=date_day - day),
        target=target,
        budget=plan_budget,
        new_per_day=max(BASELINE_NEW_PER_DAY, len(course.tracks)) if aims else 10,
    )
    return result.recall_if_followed
