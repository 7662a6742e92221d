"""The population fit the optimized and portal policies start from, as the portal's nightly
population fit would have found it: a previous cohort on the baseline schedule."""

from __future__ import annotations

import random

from apps.study import memory, planning
from apps.study.simulation.learners import (
    FIRST_RATINGS,
    RELEARN_DAYS,
    REVIEW_RATINGS,
    REVIEW_SECONDS_MEDIAN,
    Course,
    Learner,
    draw_parameters,
    pick,
)
from apps.study.simulation.policies import BASELINE_NEW_PER_DAY


def population_parameters(course: Course, *, seed: int, learners: int = 30, days: int = 45):
    """The population fit the optimized and portal policies start from: a previous cohort of
    `learners` simulated learners on the baseline schedule, fitted together."""
    rng = random.Random(seed * 7919 + 1)
    reviews: list[memory.Review] = []
    for index in range(learners):
        learner = Learner(draw_parameters(rng), REVIEW_SECONDS_MEDIAN, rng.randrange(2**31))
        result_log = baseline_log(learner, course=course, days=days)
        reviews.extend(memory.Review(index * 100_000 + r.card, r.day, r.rating) for r in result_log)
    return memory.fit_parameters(memory.items_from_reviews(reviews))


def baseline_log(learner: Learner, *, course: Course, days: int) -> list[memory.Review]:
    rng = random.Random(learner.seed)
    w = memory.DEFAULT_PARAMETERS
    truth, believed, last, due, log = {}, {}, {}, {}, []
    for day in range(days):
        for card in [c for c in due if due[c] <= day]:
            elapsed = day - last[card]
            recalled = rng.random() < memory.retrievability(
                learner.true_w, truth[card].stability, elapsed
            )
            rating = pick(rng, REVIEW_RATINGS) if recalled else memory.AGAIN
            truth[card] = memory.next_memory(learner.true_w, truth[card], rating, elapsed)
            believed[card] = memory.next_memory(w, believed[card], rating, elapsed)
            log.append(memory.Review(card, day + 0.5, rating))
            if rating == memory.AGAIN:
                again = memory.retrievability(learner.true_w, truth[card].stability, RELEARN_DAYS)
                rating = memory.GOOD if rng.random() < again else memory.AGAIN
                truth[card] = memory.next_memory(learner.true_w, truth[card], rating, 0)
                believed[card] = memory.next_memory(w, believed[card], rating, 0)
                log.append(memory.Review(card, day + 0.51, rating))
            last[card], due[card] = (
                day,
                planning.ordinary_due(w, stability=believed[card].stability, last_day=day),
            )
        for card in range(len(last), min(len(last) + BASELINE_NEW_PER_DAY, len(course.tracks))):
            rating = pick(rng, FIRST_RATINGS)
            truth[card] = memory.first_memory(learner.true_w, rating)
            believed[card] = memory.first_memory(w, rating)
            last[card], due[card] = (
                day,
                planning.ordinary_due(w, stability=believed[card].stability, last_day=day),
            )
            log.append(memory.Review(card, day + 0.5, rating))
    return log
