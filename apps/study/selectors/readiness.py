"""Readiness for the interview date: per track, the predicted recall at 9:00 on the day, and
the cards whose review now would raise it the most."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime

from apps.content.models import Card, Track
from apps.core import clock
from apps.core.percent import percent
from apps.study import fits, planning, scheduling
from apps.study.models import CardState


@dataclass
class Suggestion:
    card: Card
    now_pct: int
    after_pct: int


@dataclass
class TrackReadiness:
    track: Track
    recall: float  # mean predicted recall on the day, 0..1
    cards: int
    seen: int
    suggestions: list[Suggestion]

    @property
    def recall_pct(self) -> int:
        return percent(self.recall)


@dataclass
class Readiness:
    interview_date: date | None
    days_left: int | None
    tracks: list[TrackReadiness]

    @property
    def overall_pct(self) -> int | None:
        cards = sum(t.cards for t in self.tracks)
        if not cards:
            return None
        return percent(sum(t.recall * t.cards for t in self.tracks), cards)


def readiness(
    *,
    user,
    interview_date: date | None,
    now: datetime,
    cards: list[Card],
    states: dict[int, CardState],
    suggestions_per_track: int = 3,
) -> Readiness:
    """Per track, the mean FSRS retrievability of its cards at 9:00 on the interview day
    (never-seen cards count 0), and the cards whose review now (recalled, rated Good) would
    raise their predicted recall on the day the most."""
    if interview_date is None:
        return Readiness(interview_date=None, days_left=None, tracks=[])
    today = clock.local_date(user=user, moment=now)
    moment = max(clock.local_moment(user=user, day=interview_date, at=planning.INTERVIEW_TIME), now)
    per_track: dict[int, list] = defaultdict(list)
    tracks: dict[int, Track] = {}
    parameters = fits.memory_in_use(user=user).parameters
    sched = scheduling.scheduler_for(tuple(parameters))
    for card in cards:
        track = card.lesson.track
        tracks[track.pk] = track
        state = states.get(card.pk)
        fsrs_card = scheduling.fsrs_card_load(state.fsrs) if state is not None else None
        before = scheduling.retrievability_at(
            fsrs_card=fsrs_card, moment=moment, parameters=parameters
        )
        reviewed, _ = sched.review_card(
            fsrs_card or scheduling.fsrs_card_new(card_id=card.pk, now=now),
            scheduling.Rating.Good,
            review_datetime=now,
        )
        after = scheduling.retrievability_at(
            fsrs_card=reviewed, moment=moment, parameters=parameters
        )
        per_track[track.pk].append((card, state, before, after))

    result = []
    for track_id, entries in per_track.items():
        gains = sorted(entries, key=lambda e: e[3] - e[2], reverse=True)
        result.append(
            TrackReadiness(
                track=tracks[track_id],
                recall=sum(e[2] for e in entries) / len(entries),
                cards=len(entries),
                seen=sum(1 for e in entries if e[1] is not None),
                suggestions=[
                    Suggestion(card=e[0], now_pct=percent(e[2]), after_pct=percent(e[3]))
                    for e in gains[:suggestions_per_track]
                    if e[3] - e[2] > 0.005
                ],
            )
        )
    return Readiness(
        interview_date=interview_date, days_left=(interview_date - today).days, tracks=result
    )
