"""A learner's memory as FSRS-6 models it, in plain Python: retrievability, the next stability
and difficulty after a rating, the interval for a target recall; and the bridge to
`fsrs-rs-python` (the Rust optimizer) that fits parameters to a review log and scores them on
held-out reviews.

No models here: the planner, the fit service and the simulation (`simulate_learners`) all use
these functions, so what the plan predicts is exactly what the fit measured. Times are in days.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from fsrs import Rating

from apps.study.choices import Source

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

# FSRS's ratings as plain ints: these formulas run millions of times in a simulation, and an
# enum member costs an attribute lookup each time.
AGAIN, HARD, GOOD, EASY = (int(rating) for rating in Rating)

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
    delta = -w[6] * (rating - GOOD)
    d_new = d + delta * (10 - d) / 9
    d_new = _clamp_d(w[7] * _initial_difficulty(w, EASY) + (1 - w[7]) * d_new)
    if elapsed_days < 1:
        growth = math.exp(w[17] * (rating - GOOD + w[18])) * s ** (-w[19])
        if rating >= GOOD:
            growth = max(growth, 1.0)
        return Memory(min(max(s * growth, S_MIN), S_MAX), d_new)
    r = retrievability(w, s, elapsed_days)
    if rating == AGAIN:
        long_term = w[11] * d ** (-w[12]) * ((s + 1) ** w[13] - 1) * math.exp((1 - r) * w[14])
        s_new = min(long_term, s / math.exp(w[17] * w[18]))
    else:
        hard = w[15] if rating == HARD else 1.0
        easy = w[16] if rating == EASY else 1.0
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
    source: str = Source.REVIEW


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
    source: str = Source.REVIEW  # of the review predicted


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
    import fsrs_rs_python as rs  # the Rust optimizer loads only when a fit runs (start-up cost)

    return [
        rs.FSRSItem([rs.FSRSReview(rating, delta) for rating, delta in item.ratings])
        for item in items
    ]


def fit_parameters(items: Sequence[Item]) -> tuple[float, ...]:
    """fsrs-rs's optimizer over `items` (seconds for 20,000 reviews, no torch)."""
    import fsrs_rs_python as rs  # the Rust optimizer loads only when a fit runs (start-up cost)

    if not items:
        return DEFAULT_PARAMETERS
    fitted = rs.FSRS(list(DEFAULT_PARAMETERS)).compute_parameters(_rs_items(items))
    return tuple(round(float(x), 6) for x in fitted)


def score(parameters: Sequence[float], items: Sequence[Item]) -> Score:
    """fsrs-rs's evaluation: log loss and RMSE over bins of predicted recall."""
    import fsrs_rs_python as rs  # the Rust optimizer loads only when a fit runs (start-up cost)

    if not items:
        return Score(math.inf, math.inf, 0)
    result = rs.FSRS(list(parameters)).evaluate(_rs_items(items))
    return Score(float(result.log_loss), float(result.rmse_bins), len(items))


def predicted_recall(parameters: Sequence[float], items: Sequence[Item]) -> list[float]:
    """Each item's predicted recall of its last review under `parameters` (the FSRS-6 replay
    fsrs-rs evaluates), kept within [0.0001, 0.9999]."""
    result = []
    for item in items:
        mem = first_memory(parameters, item.ratings[0][0])
        for rating, delta in item.ratings[1:-1]:
            mem = next_memory(parameters, mem, rating, delta)
        recall = retrievability(parameters, mem.stability, item.ratings[-1][1])
        result.append(min(max(recall, 1e-4), 1 - 1e-4))
    return result


def split(items: Sequence[Item], held_out: float = 0.2) -> tuple[list[Item], list[Item]]:
    """Time-series split: the latest `held_out` share of predictions is held out."""
    cut = int(len(items) * (1 - held_out))
    return list(items[:cut]), list(items[cut:])


# The fit and the adoption rule --------------------------------------------------------------

BASE_SOURCES = frozenset({Source.REVIEW, Source.LESSON})  # ratings the learner gives directly
OPTIONAL_SOURCES = (Source.MOCK, Source.EXERCISE)  # derived ratings: in only if they help
MIN_TRAIN_ITEMS = 64
MIN_TEST_ITEMS = 24
# Rolling origins of the time-series validation: the latest half of a learner's predictions is
# predicted a tenth at a time, each tenth by a fit on everything before it (as FSRS's own
# benchmark evaluates with time-series splits). One 20 % split of a few hundred reviews leaves
# ~80 predictions, too few to tell candidates apart; five folds pool ~250.
FOLDS = (0.5, 0.6, 0.7, 0.8, 0.9)
# The own fit's weight against the population fit (in the bounded-logit space of each
# parameter): candidates between the population's parameters and the learner's own fit.
OWN_WEIGHTS = (0.25, 0.5, 0.75, 1.0)
# fsrs-rs's clamps of each FSRS-6 parameter (what a blend stays within).
BOUNDS = (
    (0.001, 100), (0.001, 100), (0.001, 100), (0.001, 100), (1, 10), (0.001, 4), (0.001, 4),
    (0.001, 0.75), (0, 4.5), (0, 0.8), (0.001, 3.5), (0.001, 5), (0.001, 0.25), (0.001, 0.9),
    (0, 4), (0, 1), (1, 6), (0, 2), (0, 2), (0, 0.8), (0.1, 0.8),
)  # fmt: skip


def _logit(x: float, low: float, high: float) -> float:
    p = min(max((x - low) / (high - low), 1e-6), 1 - 1e-6)
    return math.log(p / (1 - p))


def toward(own: Sequence[float], population: Sequence[float], weight: float) -> tuple:
    """The learner's own fit shrunk toward the population's: each parameter mapped to the logit
    of its place within fsrs-rs's bounds, `weight` of the way from the population's value to
    the own fit's, and back. weight 1 is the own fit, 0 the population's."""
    if weight >= 1:
        return tuple(own)
    result = []
    for mine, theirs, (low, high) in zip(own, population, BOUNDS, strict=True):
        z = weight * _logit(mine, low, high) + (1 - weight) * _logit(theirs, low, high)
        result.append(round(low + (high - low) / (1 + math.exp(-z)), 6))
    return tuple(result)


def pooled(scores: Sequence[Score]) -> Score:
    """Scores of several folds as one: log loss weighted by predictions; RMSE over bins as the
    root of the prediction-weighted mean square."""
    scores = [s for s in scores if s.count]
    count = sum(s.count for s in scores)
    if not count:
        return Score(math.inf, math.inf, 0)
    return Score(
        sum(s.log_loss * s.count for s in scores) / count,
        math.sqrt(sum(s.rmse_bins**2 * s.count for s in scores) / count),
        count,
    )


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
    weight: float | None = None  # the own fit's weight against the population's
    note: str = ""


@dataclass
class _Trial:
    items: list[Item]
    folds: list[tuple[tuple[float, ...], list[Item]]]  # (fit on what came before, predicted)
    weight: float
    score: Score


def fit_and_judge(
    reviews: Sequence[Review],
    *,
    in_use: Sequence[float],
    population: Sequence[float] | None,
    folds: Sequence[float] = FOLDS,
) -> FitOutcome:
    """Fit parameters and judge them on reviews they never saw, in time order: the latest half
    of the predictions is held out a tenth at a time, each tenth predicted by a fit on all
    earlier reviews (rolling origins). Candidates: the own fit and its blends toward the
    population fit (`OWN_WEIGHTS`); the one with the lowest held-out log loss is the fit. Each
    optional rating source goes in only if it lowers the held-out log loss of the directly
    given ratings. Adopted when it predicts the held-out reviews better than the parameters in
    use (`Score.better_than`); the adopted parameters are the same procedure run on every
    review (fsrs-rs on all of them, blended at the chosen weight)."""
    sources: dict = {}
    base = [r for r in reviews if r.source in BASE_SOURCES]
    base_items = items_from_reviews(base)
    outcome = FitOutcome(tuple(in_use), len(reviews), sources=sources)
    if not base_items:
        outcome.note = "no reviews a day or more apart yet"
        return outcome
    first = int(len(base_items) * folds[0])
    if first < MIN_TRAIN_ITEMS or len(base_items) - first < MIN_TEST_ITEMS:
        outcome.note = f"too few spaced reviews yet ({len(base_items)})"
        return outcome
    origins = [base_items[int(len(base_items) * f)].day for f in folds] + [math.inf]
    weights = OWN_WEIGHTS if population is not None else (1.0,)

    def attempt(chosen: set[str]) -> _Trial:
        items = items_from_reviews([r for r in reviews if r.source in chosen])
        parts = []
        for start, end in zip(origins, origins[1:], strict=False):
            train = [i for i in items if i.day < start]
            test = [i for i in items if start <= i.day < end and i.source in BASE_SOURCES]
            if test:
                parts.append((fit_parameters(train), test))
        by_weight = {
            weight: pooled([score(toward(f, population, weight), t) for f, t in parts])
            if weight < 1
            else pooled([score(f, t) for f, t in parts])
            for weight in weights
        }
        weight = min(weights, key=lambda w: (by_weight[w].log_loss, w))
        return _Trial(items, parts, weight, by_weight[weight])

    chosen = set(BASE_SOURCES)
    best = attempt(chosen)
    sources["review+lesson"] = {
        "included": True, "log_loss": round(best.score.log_loss, 5), "weight": best.weight,
    }  # fmt: skip
    for source in OPTIONAL_SOURCES:
        if not any(r.source == source for r in reviews):
            sources[source] = {"included": False, "log_loss": None, "note": "no ratings"}
            continue
        trial = attempt(chosen | {source})
        helps = trial.score.log_loss < best.score.log_loss
        sources[source] = {"included": helps, "log_loss": round(trial.score.log_loss, 5)}
        if helps:
            chosen.add(source)
            best = trial
    held_out = [t for _, t in best.folds]
    outcome.train_items = len(best.items)
    outcome.test_items = best.score.count
    outcome.score = best.score
    outcome.weight = best.weight
    outcome.previous = pooled([score(in_use, t) for t in held_out])
    if population is not None:
        outcome.population = pooled([score(population, t) for t in held_out])
    outcome.adopted = best.score.better_than(outcome.previous)
    own = fit_parameters(best.items)
    outcome.parameters = toward(own, population, best.weight) if best.weight < 1 else own
    shrunk = (
        f" (own fit weighted {best.weight:g} against the population's)" if best.weight < 1 else ""
    )
    outcome.note = (
        "adopted: predicts the held-out reviews better than the parameters in use" + shrunk
        if outcome.adopted
        else "kept, not adopted: no better on the held-out reviews" + shrunk
    )
    return outcome
