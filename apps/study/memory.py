"""A learner's memory as FSRS-6 models it, in plain Python: retrievability, the next stability
and difficulty after a rating, the interval for a target recall; and the bridge to
`fsrs-rs-python` (the Rust optimizer) that fits parameters to a review log and scores them on
held-out reviews.

No Django here: the planner, the fit service and the simulation (`simulate_learners`) all use
these functions, so what the plan predicts is exactly what the fit measured. Times are in days.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

DEFAULT_PARAMETERS: tuple[float, ...] = (
    0.212,
    1.2931,
    2.3065,
    8.2956,
    6.4133,
    0.8334,
    3.0194,
    0.001,
    1.8722,
    0.1666,
    0.796,
    1.4835,
    0.0614,
    0.2629,
    1.6483,
    0.6014,
    1.8729,
    0.5425,
    0.0912,
    0.0658,
    0.1542,
)  # fmt: skip  (FSRS-6 defaults, the same as `fsrs` 6.3.2 and fsrs-rs)

S_MIN = 0.001
RMSE_TOLERANCE = 0.01
S_MAX = 36500.0


@dataclass(frozen=True)
class Memory:
    stability: float  # days until recall falls to 90 %
    difficulty: float  # 1..10


def _decay(w: Sequence[float]) -> float:
    return -w[20]


def _factor(w: Sequence[float]) -> float:
    decay = _decay(w)
    return 0.9 ** (1 / decay) - 1


def retrievability(w: Sequence[float], stability: float, elapsed_days: float) -> float:
    """Probability of recall `elapsed_days` after the last review."""
    if elapsed_days <= 0:
        return 1.0
    return (1 + _factor(w) * elapsed_days / max(stability, S_MIN)) ** _decay(w)


def interval_for(w: Sequence[float], stability: float, recall: float) -> float:
    """Days after the last review at which recall falls to `recall`."""
    return stability / _factor(w) * (recall ** (1 / _decay(w)) - 1)


def _clamp_d(d: float) -> float:
    return min(max(d, 1.0), 10.0)


def _initial_difficulty(w: Sequence[float], rating: int) -> float:
    return w[4] - math.exp(w[5] * (rating - 1)) + 1


def first_memory(w: Sequence[float], rating: int) -> Memory:
    return Memory(max(w[rating - 1], S_MIN), _clamp_d(_initial_difficulty(w, rating)))


def next_memory(w: Sequence[float], memory: Memory, rating: int, elapsed_days: float) -> Memory:
    """FSRS-6 after a review `elapsed_days` after the previous one (same-day reviews use the
    short-term formula)."""
    s, d = memory.stability, memory.difficulty
    delta = -w[6] * (rating - 3)
    d_new = d + delta * (10 - d) / 9
    d_new = _clamp_d(w[7] * _initial_difficulty(w, 4) + (1 - w[7]) * d_new)
    if elapsed_days < 1:
        growth = math.exp(w[17] * (rating - 3 + w[18])) * s ** (-w[19])
        if rating >= 3:
            growth = max(growth, 1.0)
        return Memory(min(max(s * growth, S_MIN), S_MAX), d_new)
    r = retrievability(w, s, elapsed_days)
    if rating == 1:
        long_term = w[11] * d ** (-w[12]) * ((s + 1) ** w[13] - 1) * math.exp((1 - r) * w[14])
        s_new = min(long_term, s / math.exp(w[17] * w[18]))
    else:
        hard = w[15] if rating == 2 else 1.0
        easy = w[16] if rating == 4 else 1.0
        s_new = s * (
            1 + math.exp(w[8]) * (11 - d) * s ** (-w[9]) * (math.exp((1 - r) * w[10]) - 1)
            * hard * easy
        )  # fmt: skip
    return Memory(min(max(s_new, S_MIN), S_MAX), d_new)


# Fitting ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Review:
    """One review in a fit: which card, when (in days, fractional), the rating and its
    source (only used to decide which sources go into a fit)."""

    card: int
    day: float
    rating: int
    source: str = "review"


@dataclass(frozen=True)
class Score:
    log_loss: float
    rmse_bins: float
    count: int  # held-out predictions scored

    def better_than(self, other: Score) -> bool:
        """The adoption rule: strictly lower log loss, and RMSE over bins no worse than the
        other's by more than RMSE_TOLERANCE (with a few hundred held-out reviews, the bins
        are noisy)."""
        return self.log_loss < other.log_loss and self.rmse_bins <= other.rmse_bins + RMSE_TOLERANCE


def _histories(reviews: Iterable[Review]) -> dict[int, list[Review]]:
    by_card: dict[int, list[Review]] = {}
    for review in sorted(reviews, key=lambda r: (r.card, r.day)):
        by_card.setdefault(review.card, []).append(review)
    return by_card


@dataclass(frozen=True)
class Item:
    """A card's history up to one long-term review (the one predicted), and when it happened."""

    ratings: tuple[tuple[int, int], ...]  # (rating, whole days since the previous review)
    day: float
    source: str = "review"  # of the review predicted


def items_from_reviews(reviews: Iterable[Review]) -> list[Item]:
    """One item per review that came at least a day after the card's previous one, in time
    order (what a time-series split needs). Same-day steps stay in the history, as fsrs-rs
    expects, but are never predicted."""
    items = []
    for history in _histories(reviews).values():
        pairs: list[tuple[int, int]] = []
        previous = None
        for review in history:
            delta = 0 if previous is None else int(math.floor(review.day) - math.floor(previous))
            pairs.append((review.rating, max(delta, 0)))
            previous = review.day
            if len(pairs) > 1 and delta > 0:
                items.append(Item(tuple(pairs), review.day, review.source))
    items.sort(key=lambda item: item.day)
    return items


def _rs_items(items: Sequence[Item]):
    import fsrs_rs_python as rs

    return [
        rs.FSRSItem([rs.FSRSReview(rating, delta) for rating, delta in item.ratings])
        for item in items
    ]


def fit_parameters(items: Sequence[Item]) -> tuple[float, ...]:
    """fsrs-rs's optimizer over `items` (seconds for 20,000 reviews, no torch)."""
    import fsrs_rs_python as rs

    if not items:
        return DEFAULT_PARAMETERS
    fitted = rs.FSRS(list(DEFAULT_PARAMETERS)).compute_parameters(_rs_items(items))
    return tuple(round(float(x), 6) for x in fitted)


def score(parameters: Sequence[float], items: Sequence[Item]) -> Score:
    """fsrs-rs's evaluation: log loss and RMSE over bins of predicted recall."""
    import fsrs_rs_python as rs

    if not items:
        return Score(math.inf, math.inf, 0)
    result = rs.FSRS(list(parameters)).evaluate(_rs_items(items))
    return Score(float(result.log_loss), float(result.rmse_bins), len(items))


def split(items: Sequence[Item], held_out: float = 0.2) -> tuple[list[Item], list[Item]]:
    """Time-series split: the latest `held_out` share of predictions is held out."""
    cut = int(len(items) * (1 - held_out))
    return list(items[:cut]), list(items[cut:])


# The fit and the adoption rule --------------------------------------------------------------

BASE_SOURCES = frozenset({"review", "lesson"})  # ratings the learner gives directly
OPTIONAL_SOURCES = ("mock", "exercise")  # derived ratings: in only if they help
MIN_TRAIN_ITEMS = 64
MIN_TEST_ITEMS = 24


@dataclass
class FitOutcome:
    parameters: tuple[float, ...]
    reviews: int
    train_items: int = 0
    test_items: int = 0
    score: Score | None = None
    previous: Score | None = None
    population: Score | None = None
    sources: dict | None = None  # source -> {"included": bool, "log_loss": float | None}
    adopted: bool = False
    note: str = ""


def fit_and_judge(
    reviews: Sequence[Review],
    *,
    in_use: Sequence[float],
    population: Sequence[float] | None,
    held_out: float = 0.2,
) -> FitOutcome:
    """Fit parameters on the earlier reviews and judge them on the later ones (time-series
    split); each optional rating source goes in only if it lowers the held-out log loss of the
    directly given ratings. Adopted when the fit predicts the held-out reviews better than the
    parameters in use (`Score.better_than`)."""
    sources = {}
    base = [r for r in reviews if r.source in BASE_SOURCES]
    base_items = items_from_reviews(base)
    outcome = FitOutcome(tuple(in_use), len(reviews), sources=sources)
    if not base_items:
        outcome.note = "no reviews a day or more apart yet"
        return outcome
    cut_index = int(len(base_items) * (1 - held_out))
    if cut_index < MIN_TRAIN_ITEMS or len(base_items) - cut_index < MIN_TEST_ITEMS:
        outcome.note = f"too few spaced reviews yet ({len(base_items)})"
        return outcome
    cutoff = base_items[cut_index].day

    def attempt(chosen: set[str]):
        items = items_from_reviews([r for r in reviews if r.source in chosen])
        train = [i for i in items if i.day < cutoff]
        test = [i for i in items if i.day >= cutoff and i.source in BASE_SOURCES]
        fitted = fit_parameters(train)
        return fitted, train, test, score(fitted, test)

    chosen = set(BASE_SOURCES)
    best = attempt(chosen)
    sources["review+lesson"] = {"included": True, "log_loss": round(best[3].log_loss, 5)}
    for source in OPTIONAL_SOURCES:
        if not any(r.source == source for r in reviews):
            sources[source] = {"included": False, "log_loss": None, "note": "no ratings"}
            continue
        trial = attempt(chosen | {source})
        helps = trial[3].log_loss < best[3].log_loss
        sources[source] = {"included": helps, "log_loss": round(trial[3].log_loss, 5)}
        if helps:
            chosen.add(source)
            best = trial
    fitted, train, test, fitted_score = best
    outcome.train_items, outcome.test_items = len(train), len(test)
    outcome.score = fitted_score
    outcome.previous = score(in_use, test)
    if population is not None:
        outcome.population = score(population, test)
    outcome.adopted = fitted_score.better_than(outcome.previous)
    outcome.parameters = fitted
    outcome.note = (
        "adopted: predicts the held-out reviews better than the parameters in use"
        if outcome.adopted
        else "kept, not adopted: no better on the held-out reviews"
    )
    return outcome
