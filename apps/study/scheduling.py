"""The bridge to the `fsrs` package: one configured Scheduler, conversions between our rows and
`fsrs.Card`, interval labels for the rating buttons, and the mock-interview rating rule.

No database access here, so every rule can be tested with plain values.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache

from django.conf import settings
from fsrs import Card as FsrsCard
from fsrs import Rating, Scheduler, State

from apps.study import memory, planning
from apps.study.choices import Rating as RatingChoice

RATINGS = tuple(Rating)  # Again, Hard, Good, Easy: the buttons, in order


def scheduler() -> Scheduler:
    """The scheduler with FSRS's default parameters."""
    return scheduler_for(memory.DEFAULT_PARAMETERS)


@cache
def scheduler_for(parameters: tuple[float, ...]) -> Scheduler:
    """The portal's scheduler for one set of parameters (a learner's fit, the population's or
    the defaults). Fuzzing is off so the interval printed on a rating button is the interval
    the learner gets; with a few dozen cards, spreading due dates buys nothing."""
    options = getattr(settings, "STUDY_FSRS", {})
    return Scheduler(
        parameters=tuple(parameters),
        desired_retention=options.get("desired_retention", 0.9),
        maximum_interval=options.get("maximum_interval", 36500),
        enable_fuzzing=options.get("enable_fuzzing", False),
    )


@dataclass(frozen=True)
class Aim:
    """What a learner's schedule aims at: their memory parameters and, with an interview date,
    the moment recall is measured (9:00 on the day) and the recall wanted then."""

    parameters: tuple[float, ...] = memory.DEFAULT_PARAMETERS
    interview: datetime | None = None
    target: float = planning.TARGET_DEFAULT


DEFAULT_AIM = Aim()


def review(
    fsrs_card: FsrsCard,
    rating: int,
    *,
    now: datetime,
    aim: Aim = DEFAULT_AIM,
    duration_ms: int | None = None,
) -> FsrsCard:
    """FSRS with the learner's parameters; before an interview date, the plan's rule decides
    when a card in the Review state comes back (planning.latest_due_day: spaced at 80 % until
    the last days, then on the latest day that keeps the target on the date). Learning steps
    and the time after the date follow FSRS's ordinary schedule."""
    after, _ = scheduler_for(aim.parameters).review_card(
        fsrs_card, Rating(rating), review_datetime=now, review_duration=duration_ms
    )
    if aim.interview is None or after.state != State.Review or now >= aim.interview:
        return after
    if after.stability is None:
        return after
    date_day = (aim.interview - now).total_seconds() / 86_400
    days = planning.latest_due_day(
        aim.parameters,
        stability=after.stability,
        last_day=0.0,
        date_day=date_day,
        target=aim.target,
    )
    ordinary = planning.ordinary_due(aim.parameters, stability=after.stability, last_day=0.0)
    if abs(days - ordinary) > 1e-9:  # the rule moved it; else keep FSRS's own rounding
        after.due = now + timedelta(days=days)
    return after


def fsrs_card_new(*, card_id: int, now: datetime) -> FsrsCard:
    # card_id is given: fsrs would otherwise derive it from the clock and sleep 1 ms.
    return FsrsCard(card_id=card_id, due=now)


def fsrs_card_load(data: dict) -> FsrsCard:
    return FsrsCard.from_dict(data)


def lapses_after(*, lapses: int, rating: int) -> int:
    return lapses + 1 if rating == Rating.Again else lapses


def interval_label(delta: timedelta) -> str:
    """'1 min', '10 min', '5 h', '1 day', '3 days', '2.5 months', '1.2 years'."""
    seconds = max(delta.total_seconds(), 0)
    minutes = seconds / 60
    if minutes < 60:
        return f"{max(round(minutes), 1)} min"
    hours = minutes / 60
    if hours < 24:
        return f"{round(hours)} h"
    days = round(hours / 24)
    if days < 31:
        return "1 day" if days == 1 else f"{days} days"
    if days < 365:
        months = days / 30.4
        return f"{months:.1f} months".replace(".0 ", " ")
    years = days / 365
    return f"{years:.1f} years".replace(".0 ", " ")


@dataclass(frozen=True)
class RatingOption:
    value: int
    label: str
    interval: str

    @property
    def slug(self) -> str:
        return self.label.lower()


def rating_options(
    *, fsrs_card: FsrsCard, now: datetime, aim: Aim = DEFAULT_AIM
) -> list[RatingOption]:
    """What each of the four buttons would do to this card if pressed now."""
    options = []
    for rating in RATINGS:
        after = review(fsrs_card, rating, now=now, aim=aim)
        options.append(
            RatingOption(int(rating), RatingChoice(rating).label, interval_label(after.due - now))
        )
    return options


def retrievability_at(
    *, fsrs_card: FsrsCard | None, moment: datetime, parameters: Sequence[float] | None = None
) -> float:
    """FSRS's predicted probability of recall at `moment`; 0 for a card never reviewed."""
    if fsrs_card is None:
        return 0.0
    sched = scheduler_for(tuple(parameters)) if parameters is not None else scheduler()
    return float(sched.get_card_retrievability(fsrs_card, current_datetime=moment))


# Mock interviews: the share of key points covered becomes the rating (shown in the UI).
COVERAGE_RULES = (
    (1.0, Rating.Easy, "every key point"),
    (0.7, Rating.Good, "70% or more"),
    (0.4, Rating.Hard, "40% or more"),
    (0.0, Rating.Again, "under 40%"),
)


def rating_for_coverage(*, covered: int, total: int) -> int:
    share = covered / total if total else 0.0
    for threshold, rating, _ in COVERAGE_RULES:
        if share >= threshold:
            return int(rating)
    return int(Rating.Again)


def coverage_rules() -> list[tuple[str, str]]:
    return [(description, RatingChoice(rating).label) for _, rating, description in COVERAGE_RULES]
