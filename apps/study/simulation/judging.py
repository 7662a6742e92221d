"""Goal 2, for one learner: is the fit the portal adopts better than the population's on
reviews it never saw, and could any fit be (does the learner's true memory differ detectably
from the population's)?"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence

from apps.study import memory
from apps.study.simulation.learners import LearnerResult

DETECTABLE_Z = 2.0  # "differs from the population": see judge_fit


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
