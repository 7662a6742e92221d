"""A run: every learner under every policy, and the JSON `simulate_learners` prints."""

from __future__ import annotations

import math
import random
import statistics
from collections.abc import Sequence

from apps.study import planning
from apps.study.simulation.learners import (
    REVIEW_SECONDS_MEDIAN,
    Course,
    Learner,
    LearnerResult,
    draw_parameters,
)
from apps.study.simulation.policies import POLICIES, run_learner
from apps.study.simulation.population import population_parameters


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
