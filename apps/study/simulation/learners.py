"""A simulated learner: their true memory (FSRS-6 parameters drawn around the defaults), how
they rate and how long they take (the tables below; the package docstring says why), the course
they study, and what a run of theirs measured."""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field

from apps.study import memory

# (rating, share): recalled reviews, and a new card's first rating.
REVIEW_RATINGS = ((memory.HARD, 0.15), (memory.GOOD, 0.70), (memory.EASY, 0.15))
FIRST_RATINGS = (
    (memory.AGAIN, 0.25),
    (memory.HARD, 0.15),
    (memory.GOOD, 0.50),
    (memory.EASY, 0.10),
)
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


def pick(rng: random.Random, table) -> int:
    """A value from a table of (value, share) rows."""
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
