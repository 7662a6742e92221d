"""The plan: when each card is due so the learner remembers it on the interview date, how much
work each day holds under a budget, and what recall that buys. Pure functions over plain values
(days are integers counted from today, 0 = today), so each rule is tested on its own and the
simulation runs exactly what the portal runs.

The rule for one card, in a learner's words: a card is normally reviewed when your predicted
recall of it falls to 90 % (78 % while an interview is more than four days away). Before an
interview we also look at the day itself: if the next review would come after the interview and
by then your recall would have fallen below your target, the card is due on the last day your
recall is still at the target. Cards whose recall on the day is safe keep their ordinary
schedule, and after the interview every card returns to it.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, time, timedelta

from apps.study import memory

DESIRED_RETENTION = 0.9  # the ordinary long-term schedule
PREP_RETENTION = 0.78  # reviews well before the date, which only build memory
PREP_WINDOW_DAYS = 4  # the last days before the date aim at the target itself
# Predictions carry error (a fitted model's RMSE over bins on held-out reviews is a few
# points): the plan aims this much above the learner's target, so the target holds for their
# true memory, not only for the model's. These three were tuned in `simulate_learners` so the
# plan costs no more minutes than the ordinary schedule on 20 seeds (docs/memory-and-plan.md).
SAFETY_MARGIN = 0.03
TARGET_DEFAULT = 0.9
TARGET_MIN, TARGET_MAX = 0.80, 0.97
EASY_DAY_LOAD = 0.5  # an easy day holds half the budget
SECONDS_PER_REVIEW_DEFAULT = 20.0
NEW_CARD_COST = 2.5  # a new card takes this many reviews' time (reading, learning steps)
INTERVIEW_TIME = time(9, 0)  # recall on the date is measured at 9:00, learner's time
MAX_PLAN_DAYS = 730
MAX_MINUTES = 240  # above this, "you need more than 4 hours a day"


def clamp_target(target: float | None) -> float:
    if target is None:
        return TARGET_DEFAULT
    return min(max(float(target), TARGET_MIN), TARGET_MAX)


# One card ---------------------------------------------------------------------------------


def aimed_recall(target: float) -> float:
    """What the schedule aims at on the date: the learner's target plus the safety margin."""
    return min(clamp_target(target) + SAFETY_MARGIN, 0.99)


def ordinary_due(w: Sequence[float], *, stability: float, last_day: float) -> float:
    """The day (fractional) recall falls to the ordinary 90 %, at least a day after the last
    review."""
    return last_day + max(1.0, memory.interval_for(w, stability, DESIRED_RETENTION))


def latest_due_day(
    w: Sequence[float],
    *,
    stability: float,
    last_day: float,
    date_day: float | None,
    target: float,
    prep_retention: float | None = None,
) -> float:
    """The latest-day rule. Without a date (or once it has passed): the ordinary due day.
    More than PREP_WINDOW_DAYS before the date, a review only builds memory, so it comes at
    `prep_retention` (PREP_RETENTION by default: FSRS strengthens a memory more when it is
    reviewed at lower recall, so fewer reviews are needed). Closer to the date, a card is due
    on the latest day its recall is still at `target` (plus SAFETY_MARGIN); when that day is
    after the date, recall on the date is safe and the card keeps its ordinary schedule."""
    if date_day is None or last_day >= date_day:
        return ordinary_due(w, stability=stability, last_day=last_day)
    target = aimed_recall(target)
    retention = PREP_RETENTION if prep_retention is None else prep_retention
    prep = last_day + max(1.0, memory.interval_for(w, stability, min(retention, target)))
    if prep <= date_day - PREP_WINDOW_DAYS:
        return prep
    if memory.retrievability(w, stability, date_day - last_day) >= target:
        return ordinary_due(w, stability=stability, last_day=last_day)
    keeps_target = last_day + max(1.0, memory.interval_for(w, stability, target))
    return min(max(keeps_target, date_day - PREP_WINDOW_DAYS), float(date_day))


def review_day(due: float) -> int:
    """The calendar day (counted from today) a due moment falls on; overdue means today."""
    return max(0, math.floor(due))


# The budget -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Budget:
    """A daily budget in minutes or in reviews (None: unlimited), reduced on easy weekdays
    (0=Monday) and zero on days off."""

    minutes: float | None = None
    reviews: int | None = None
    easy_weekdays: frozenset[int] = frozenset()
    easy_load: float = EASY_DAY_LOAD
    days_off: frozenset[date] = frozenset()
    seconds_per_review: float = SECONDS_PER_REVIEW_DEFAULT

    @property
    def limited(self) -> bool:
        return self.minutes is not None or self.reviews is not None

    def capacity(self, day: date) -> float:
        """Review-equivalents that fit on `day` (inf when unlimited)."""
        if day in self.days_off:
            return 0.0
        if self.minutes is not None:
            base = self.minutes * 60 / self.seconds_per_review
        elif self.reviews is not None:
            base = float(self.reviews)
        else:
            return math.inf
        if day.weekday() in self.easy_weekdays:
            base *= self.easy_load
        return base

    def with_minutes(self, minutes: float) -> Budget:
        return Budget(
            minutes=minutes,
            easy_weekdays=self.easy_weekdays,
            easy_load=self.easy_load,
            days_off=self.days_off,
            seconds_per_review=self.seconds_per_review,
        )


def spread(due_days: Sequence[int], capacities: Sequence[float]) -> list[int]:
    """Move work that does not fit a day to the next day with room, in order of due day, so a
    change of parameters or a missed day never piles everything onto one day. Work past the
    last capacity stays on the last day."""
    order = sorted(range(len(due_days)), key=lambda i: due_days[i])
    used = [0.0] * len(capacities)
    result = list(due_days)
    for i in order:
        day = max(0, due_days[i])
        while day < len(capacities) - 1 and used[day] + 1 > capacities[day]:
            day += 1
        day = min(day, len(capacities) - 1)
        used[day] += 1
        result[i] = day
    return result


# The plan ---------------------------------------------------------------------------------


@dataclass
class PlanCard:
    """One card as the planner sees it: its track, and its memory (None when new)."""

    card: int
    track: int
    stability: float | None = None
    difficulty: float | None = None
    last_day: float | None = None  # days from the start of today (negative: in the past)
    due_day: float | None = None  # as stored; None: computed by the rule


@dataclass
class PlanDay:
    day: date
    reviews: int = 0
    new: int = 0
    minutes: float = 0.0
    capacity: float = math.inf
    off: bool = False
    easy: bool = False


@dataclass
class Plan:
    days: list[PlanDay]
    recall_if_followed: dict[int, float]  # per track, on the date
    recall_if_stopped: dict[int, float]
    last_new_day: date | None
    new_left: int  # new cards the plan could not fit before the last sensible start day
    cards_due: dict[int, float] = field(default_factory=dict)  # card -> planned due day

    @property
    def lowest_recall(self) -> float:
        return min(self.recall_if_followed.values(), default=0.0)

    @property
    def total_minutes(self) -> float:
        return sum(day.minutes for day in self.days)


def last_new_day(w: Sequence[float], *, date_day: int, target: float) -> int | None:
    """The last day a new card can start, get at least one spaced review (a day or more later)
    before the date, and be at `target` on it, rated Good each time. A card met only once the
    day before is remembered on the day by luck, not by learning. None when even today is too
    late."""
    for start in range(date_day - 1, -1, -1):
        mem = memory.first_memory(w, memory.GOOD)
        last, reviews = float(start), 0
        while True:
            due = latest_due_day(
                w, stability=mem.stability, last_day=last, date_day=date_day, target=target
            )
            day = math.floor(due)
            if due > date_day or day >= date_day:
                break
            day = max(day, math.floor(last) + 1)
            mem = memory.next_memory(w, mem, memory.GOOD, day - last)
            last, reviews = float(day), reviews + 1
        recall = memory.retrievability(w, mem.stability, date_day - last)
        if reviews >= 1 and recall >= target:
            return start
    return None


def _expected_recall_on_date(w, mem: memory.Memory, last: float, date_day: int) -> float:
    return memory.retrievability(w, mem.stability, date_day - last)


def plan(
    w: Sequence[float],
    *,
    cards: Iterable[PlanCard],
    today: date,
    interview: date | None,
    target: float = TARGET_DEFAULT,
    budget: Budget = Budget(),
    new_per_day: int = 10,
    horizon: int = 14,
) -> Plan:
    """Project the schedule day by day from today to the date (or `horizon` days without one),
    as if every review were recalled (rated Good): due reviews first, oldest first, within the
    day's capacity; then new cards in course order, up to the daily cap and never after the last
    sensible start day. Work that does not fit moves to the next day (never onto one day)."""
    target = clamp_target(target)
    date_day = (interview - today).days if interview is not None else None
    span = max(date_day, 1) if date_day is not None and date_day >= 0 else horizon
    span = min(span, MAX_PLAN_DAYS)  # a date years away is planned for two years
    days = [
        PlanDay(
            day=today + timedelta(days=i),
            capacity=budget.capacity(today + timedelta(days=i)),
            off=(today + timedelta(days=i)) in budget.days_off,
            easy=(today + timedelta(days=i)).weekday() in budget.easy_weekdays,
        )
        for i in range(span)
    ]
    rule_day = date_day if date_day is not None and date_day >= 0 else None
    last_start = last_new_day(w, date_day=rule_day, target=target) if rule_day is not None else None

    seen: dict[int, tuple[memory.Memory, float, float]] = {}  # card -> (memory, last, due)
    new_queue: list[PlanCard] = []
    tracks: dict[int, list[int]] = {}
    for card in cards:
        tracks.setdefault(card.track, []).append(card.card)
        if card.stability is None or card.last_day is None:
            new_queue.append(card)
            continue
        mem = memory.Memory(card.stability, card.difficulty or 5.0)
        due = latest_due_day(
            w, stability=mem.stability, last_day=card.last_day, date_day=rule_day, target=target
        )
        if card.due_day is not None:
            due = min(due, card.due_day)
        seen[card.card] = (mem, card.last_day, due)

    def recall_on_date(state: dict) -> dict[int, float]:
        moment = rule_day if rule_day is not None else span
        result = {}
        for track, ids in tracks.items():
            total = 0.0
            for card_id in ids:
                if card_id in state:
                    mem, last, _ = state[card_id]
                    total += _expected_recall_on_date(w, mem, last, moment)
            result[track] = total / len(ids)
        return result

    stopped = recall_on_date(seen)
    state = dict(seen)
    for index, plan_day in enumerate(days):
        room = plan_day.capacity
        due_now = sorted(
            (due, card_id) for card_id, (_, _, due) in state.items() if math.floor(due) <= index
        )
        for _, card_id in due_now:
            if room < 1:
                break
            mem, last, _ = state[card_id]
            elapsed = max(index - last, 0.0)
            mem = memory.next_memory(w, mem, memory.GOOD, elapsed)
            due = latest_due_day(
                w, stability=mem.stability, last_day=float(index), date_day=rule_day, target=target
            )
            state[card_id] = (mem, float(index), due)
            plan_day.reviews += 1
            room -= 1
        may_start = (
            last_start is None
            if rule_day is None
            else (last_start is not None and index <= last_start)
        )
        introduced = 0
        while new_queue and may_start and introduced < new_per_day and room >= NEW_CARD_COST:
            card = new_queue.pop(0)
            mem = memory.first_memory(w, memory.GOOD)
            due = latest_due_day(
                w, stability=mem.stability, last_day=float(index), date_day=rule_day, target=target
            )
            state[card.card] = (mem, float(index), due)
            plan_day.new += 1
            introduced += 1
            room -= NEW_CARD_COST
        plan_day.minutes = round(
            (plan_day.reviews + plan_day.new * NEW_CARD_COST) * budget.seconds_per_review / 60, 1
        )
    return Plan(
        days=days,
        recall_if_followed=recall_on_date(state),
        recall_if_stopped=stopped,
        last_new_day=today + timedelta(days=last_start) if last_start is not None else None,
        new_left=len(new_queue),
        cards_due={card_id: due for card_id, (_, _, due) in state.items()},
    )


@dataclass(frozen=True)
class Forecast:
    """The honest sentence: minutes a day needed to reach the target on every track, and what
    the learner's own budget reaches."""

    needed_minutes: float | None  # None: more than MAX_MINUTES
    reached_with_budget: float  # lowest track's predicted recall under the learner's budget
    target: float


def forecast(w: Sequence[float], *, budget: Budget, **plan_kwargs) -> Forecast:
    """Bisect the daily minutes the plan needs for every track to reach the target."""
    target = clamp_target(plan_kwargs.get("target"))
    cards = list(plan_kwargs.pop("cards"))
    reached = plan(w, cards=cards, budget=budget, **plan_kwargs).lowest_recall

    def enough(minutes: float) -> bool:
        result = plan(w, cards=cards, budget=budget.with_minutes(minutes), **plan_kwargs)
        return result.lowest_recall >= target

    if not enough(MAX_MINUTES):
        return Forecast(None, reached, target)
    low, high = 0.0, float(MAX_MINUTES)
    while high - low > 1:
        middle = (low + high) / 2
        if enough(middle):
            high = middle
        else:
            low = middle
    return Forecast(float(math.ceil(high)), reached, target)
