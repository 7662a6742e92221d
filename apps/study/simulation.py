"""Simulated learners studying the course until an interview date, under three policies, so
"ready on the day" is measured rather than hoped (`manage.py simulate_learners`,
`python -m bench learning`). Plain Python over apps/study/memory.py and planning.py: the same
rules the portal runs, at day granularity.

What the simulation draws from (documented on purpose, so a reader can disagree):
- True memory: FSRS-6 with each learner's true parameters. Without `--true-parameters`, each
  parameter is FSRS's published default times exp(N(0, sigma)): sigma 0.5 for the initial
  stabilities w0-w3, 0.25 for the stability growth w8-w10 and the forgetting curve's decay
  w20, 0.1 for the rest; then clipped to fsrs-rs's bounds.
- A review is recalled with the true retrievability at that moment. Recalled: Hard 15 %, Good
  70 %, Easy 15 %. Forgotten: Again. A new card's first rating: Again 25 %, Hard 15 %, Good
  50 %, Easy 10 %.
- A forgotten card comes back once more the same day (the portal's 10-minute relearning
  step) and is rated Good if recalled then, else Again.
- Durations: log-normal, median 12 s for a review (sigma 0.5, each learner's median itself
  times exp(N(0, 0.3))), and 3x that for a new card (reading, then the same-day learning steps,
  which at day granularity are folded into the first rating).
- Each day a learner skips with probability `skip_days`; the interview is the morning after
  the last study day.

Policies: `baseline` (FSRS defaults, 90 %, the date ignored, 10 new cards a day), `optimized`
(the learner's adopted fit, else the population fit; 90 %; the date ignored), `portal`
(the adopted fit, the plan's rule in apps/study/planning.py, new cards front-loaded to the last
sensible day). With `budget_minutes`, every policy works within that many minutes a day.
"""

from __future__ import annotations

import math
import random
import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from apps.study import memory, planning

POLICIES = ("baseline", "optimized", "portal")
FIT_EVERY_REVIEWS = 300  # as STUDY_FIT_EVERY_REVIEWS
MIN_REVIEWS_JUDGED = 400  # goal 2 judges learners with at least this many reviews
DETECTABLE_Z = 2.0  # "differs from the population": see judge_fit
BASELINE_NEW_PER_DAY = 10
REVIEW_RATINGS = ((2, 0.15), (3, 0.70), (4, 0.15))
FIRST_RATINGS = ((1, 0.25), (2, 0.15), (3, 0.50), (4, 0.10))
REVIEW_SECONDS_MEDIAN = 12.0
RELEARN_DAYS = 10 / 1440  # a forgotten card is shown again 10 minutes later
NEW_CARD_FACTOR = 3.0
SIGMAS = {0: 0.5, 1: 0.5, 2: 0.5, 3: 0.5, 8: 0.25, 9: 0.25, 10: 0.25, 20: 0.25}
BOUNDS = list(memory.BOUNDS)  # fsrs-rs's parameter clamps


def draw_parameters(rng: random.Random) -> tuple[float, ...]:
    drawn = []
    for index, (value, (low, high)) in enumerate(
        zip(memory.DEFAULT_PARAMETERS, BOUNDS, strict=True)
    ):
        sigma = SIGMAS.get(index, 0.1)
        drawn.append(min(max(value * math.exp(rng.gauss(0, sigma)), low), high))
    return tuple(drawn)


def _pick(rng: random.Random, table) -> int:
    roll, total = rng.random(), 0.0
    for value, share in table:
        total += share
        if roll < total:
            return value
    return table[-1][0]


@dataclass
class Course:
    tracks: list[int]  # track of each card, in course order


@dataclass
class LearnerResult:
    recall_per_track: dict[int, float]
    predicted_per_track: dict[int, float]
    predicted_week_before: dict[int, float]
    cards_below_85: int
    cards: int
    reviews: int
    minutes: float
    busiest_day_minutes: float
    daily_minutes: list[float]
    fit_better_than_population: bool | None = None  # None: fewer than 400 reviews
    differs: bool = False  # true memory detectably unlike the population's (judge_fit)
    truth_better_than_population: bool | None = None  # the ceiling: true parameters' result
    divergence: float | None = None  # mean |true - population recall| on the held-out reviews
    own_weight: float | None = None  # of the adopted fit; None when not adopted
    fits: int = 0
    fit_seconds: list[float] = field(default_factory=list)


@dataclass
class Learner:
    true_w: tuple[float, ...]
    seconds_median: float
    seed: int


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
        rating = 3 if recalled else 1
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
            import time

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
            rating = _pick(rng, REVIEW_RATINGS) if recalled else 1
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
            if rating == 1:
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
            rating = _pick(rng, FIRST_RATINGS)
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


def judge_fit(
    result: LearnerResult,
    *,
    log: Sequence[memory.Review],
    true_w: Sequence[float],
    population: Sequence[float],
    held_out: float = 0.2,
) -> None:
    """Goal 2 for one learner. Their latest `held_out` share of predictions (time order) is the
    test: nothing below sees it. On the reviews before it, the product's own procedure runs
    (memory.fit_and_judge: rolling time-series validation, blends toward the population fit,
    adoption only on better validation loss than the population fit it would replace). The
    adopted fit (the population's if none is adopted: then it is not better) and the
    population fit then predict the test reviews; better = strictly lower log loss.

    "Differs from the population" is measured on the learner's true recall, not on outcomes:
    over the test reviews, the expected log-loss advantage of the true parameters over the
    population fit (the mean Kullback-Leibler divergence of their recall predictions) is at
    least DETECTABLE_Z standard errors of that advantage. Below that, the test reviews cannot
    tell the learner's true memory from the population's, and no fit can be shown better on
    them (even the true parameters win about as often as they lose)."""
    items = memory.items_from_reviews(log)
    dev, test = memory.split(items, held_out)
    if not test:
        return
    cutoff = test[0].day
    outcome = memory.fit_and_judge(
        [r for r in log if r.day < cutoff], in_use=population, population=population
    )
    adopted = outcome.parameters if outcome.adopted else tuple(population)
    population_score = memory.score(population, test)
    result.fit_better_than_population = (
        outcome.adopted and memory.score(adopted, test).log_loss < population_score.log_loss
    )
    result.own_weight = outcome.weight if outcome.adopted else None
    result.truth_better_than_population = (
        memory.score(true_w, test).log_loss < population_score.log_loss
    )
    true_recall = memory.predicted_recall(true_w, test)
    population_recall = memory.predicted_recall(population, test)
    advantage, variance = 0.0, 0.0
    for p, q in zip(true_recall, population_recall, strict=True):
        recalled, forgotten = math.log(p / q), math.log((1 - p) / (1 - q))
        advantage += p * recalled + (1 - p) * forgotten  # expected log-loss gain of the truth
        variance += p * (1 - p) * (recalled - forgotten) ** 2
    result.divergence = statistics.fmean(
        abs(p - q) for p, q in zip(true_recall, population_recall, strict=True)
    )
    result.differs = variance > 0 and advantage >= DETECTABLE_Z * math.sqrt(variance)


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


def population_parameters(course: Course, *, seed: int, learners: int = 30, days: int = 45):
    """The population fit the optimized and portal policies start from: a previous cohort of
    `learners` simulated learners on the baseline schedule, fitted together."""
    rng = random.Random(seed * 7919 + 1)
    reviews: list[memory.Review] = []
    for index in range(learners):
        learner = Learner(draw_parameters(rng), REVIEW_SECONDS_MEDIAN, rng.randrange(2**31))
        result_log = _baseline_log(learner, course=course, days=days)
        reviews.extend(memory.Review(index * 100_000 + r.card, r.day, r.rating) for r in result_log)
    return memory.fit_parameters(memory.items_from_reviews(reviews))


def _baseline_log(learner: Learner, *, course: Course, days: int) -> list[memory.Review]:
    rng = random.Random(learner.seed)
    w = memory.DEFAULT_PARAMETERS
    truth, believed, last, due, log = {}, {}, {}, {}, []
    for day in range(days):
        for card in [c for c in due if due[c] <= day]:
            elapsed = day - last[card]
            recalled = rng.random() < memory.retrievability(
                learner.true_w, truth[card].stability, elapsed
            )
            rating = _pick(rng, REVIEW_RATINGS) if recalled else 1
            truth[card] = memory.next_memory(learner.true_w, truth[card], rating, elapsed)
            believed[card] = memory.next_memory(w, believed[card], rating, elapsed)
            log.append(memory.Review(card, day + 0.5, rating))
            if rating == 1:
                again = memory.retrievability(learner.true_w, truth[card].stability, RELEARN_DAYS)
                rating = 3 if rng.random() < again else 1
                truth[card] = memory.next_memory(learner.true_w, truth[card], rating, 0)
                believed[card] = memory.next_memory(w, believed[card], rating, 0)
                log.append(memory.Review(card, day + 0.51, rating))
            last[card], due[card] = (
                day,
                planning.ordinary_due(w, stability=believed[card].stability, last_day=day),
            )
        for card in range(len(last), min(len(last) + BASELINE_NEW_PER_DAY, len(course.tracks))):
            rating = _pick(rng, FIRST_RATINGS)
            truth[card] = memory.first_memory(learner.true_w, rating)
            believed[card] = memory.first_memory(w, rating)
            last[card], due[card] = (
                day,
                planning.ordinary_due(w, stability=believed[card].stability, last_day=day),
            )
            log.append(memory.Review(card, day + 0.5, rating))
    return log


def simulate(
    *,
    course: Course,
    learners: int = 200,
    days: int = 30,
    seed: int = 0,
    budget_minutes: float | None = None,
    skip_days: float = 0.1,
    policies: Sequence[str] = POLICIES,
    true_parameters: Sequence[Sequence[float]] | None = None,
    target: float = planning.TARGET_DEFAULT,
) -> dict:
    """Every learner under every policy; the JSON the command prints."""
    rng = random.Random(seed)
    population = tuple(population_parameters(course, seed=seed))
    people = []
    for index in range(learners):
        true_w = (
            tuple(true_parameters[index % len(true_parameters)])
            if true_parameters
            else draw_parameters(rng)
        )
        median = REVIEW_SECONDS_MEDIAN * math.exp(rng.gauss(0, 0.3))
        people.append(Learner(true_w, median, rng.randrange(2**31)))

    results: dict[str, list[LearnerResult]] = {}
    ordered = sorted(policies, key=lambda p: p != "baseline")
    for policy in ordered:
        results[policy] = []
        for person in people:
            budget = budget_minutes
            results[policy].append(
                run_learner(
                    person, policy=policy, course=course, days=days, skip_days=skip_days,
                    population=population, budget_minutes=budget, target=target,
                )
            )  # fmt: skip
    return {
        "learners": learners,
        "days": days,
        "seed": seed,
        "cards": len(course.tracks),
        "tracks": len(set(course.tracks)),
        "budget_minutes": budget_minutes,
        "skip_days": skip_days,
        "population_parameters": [round(x, 4) for x in population],
        "policies": {policy: summarize(results[policy]) for policy in policies},
    }


def summarize(results: list[LearnerResult]) -> dict:
    pairs = sum(r.cards for r in results)
    weighted = sum(
        sum(r.recall_per_track[t] * r.cards for t in r.recall_per_track) / len(r.recall_per_track)
        for r in results
    )
    errors = [
        abs(r.predicted_per_track[t] - r.recall_per_track[t])
        for r in results
        for t in r.recall_per_track
    ]
    errors_week = [
        abs(r.predicted_week_before[t] - r.recall_per_track[t])
        for r in results
        for t in r.recall_per_track
        if t in r.predicted_week_before
    ]
    with_enough = [r for r in results if r.fit_better_than_population is not None]
    differing = [r for r in with_enough if r.differs]

    def share(rows, attribute):
        return round(sum(getattr(r, attribute) for r in rows) / len(rows), 4) if rows else None

    weights = [r.own_weight for r in differing if r.own_weight is not None]
    daily = [sum(day) for day in zip(*(r.daily_minutes for r in results), strict=True)]
    fit_seconds = [s for r in results for s in r.fit_seconds]
    return {
        "mean_recall_on_date": round(weighted / pairs, 4) if pairs else 0.0,
        "share_below_85": round(sum(r.cards_below_85 for r in results) / pairs, 4),
        "share_learners_ready": round(
            sum(all(v >= 0.9 for v in r.recall_per_track.values()) for r in results) / len(results),
            4,
        ),
        "reviews": sum(r.reviews for r in results),
        "minutes": round(sum(r.minutes for r in results), 1),
        "busiest_day_minutes": round(max(max(r.daily_minutes) for r in results), 1),
        "mean_busiest_day_minutes": round(
            statistics.fmean(r.busiest_day_minutes for r in results), 1
        ),
        "cohort_minutes_per_day_max": round(max(daily), 1) if daily else 0.0,
        "forecast_mae": round(statistics.fmean(errors), 4) if errors else None,
        "forecast_mae_week_before": round(statistics.fmean(errors_week), 4)
        if errors_week
        else None,
        "learners_judged_for_fit": len(differing),
        "share_fit_better_than_population": share(differing, "fit_better_than_population"),
        "share_truth_better_than_population": share(differing, "truth_better_than_population"),
        "learners_with_400_reviews": len(with_enough),
        "share_fit_better_than_population_all": share(with_enough, "fit_better_than_population"),
        "share_truth_better_than_population_all": share(
            with_enough, "truth_better_than_population"
        ),
        "reviews_per_judged_learner": round(statistics.fmean(r.reviews for r in with_enough))
        if with_enough
        else None,
        "own_weights_adopted": {str(w): weights.count(w) for w in sorted(set(weights))},
        "fits": sum(r.fits for r in results),
        "fit_seconds_mean": round(statistics.fmean(fit_seconds), 3) if fit_seconds else None,
    }
