"""Generated review histories: each learner meets the course's cards in order over the
period and reviews each card when FSRS schedules it (a little late, more so for the less
diligent), so the logs, card states and daily roll-ups are what the real services would have
written."""

from __future__ import annotations

import random
from collections import Counter
from datetime import timedelta
from zoneinfo import ZoneInfo

from fsrs import Rating

from apps.cohorts.demo.learners import Temperament
from apps.cohorts.demo.writer import Writer
from apps.content.models import Card
from apps.study import scheduling
from apps.study.models import CardState, ReviewDay, ReviewLog


def course_cards() -> list[Card]:
    """Every live card, in course order."""
    return list(
        Card.objects.live().order_by("lesson__track__order", "lesson__order", "order", "slug")
    )


def _rating(rng: random.Random, t: Temperament, recall: float) -> Rating:
    if rng.random() > recall:
        return Rating.Again
    roll = rng.random()
    if roll < 0.15 * (1.2 - t.skill):
        return Rating.Hard
    if roll > 1 - 0.25 * t.skill:
        return Rating.Easy
    return Rating.Good


def _delay(rng: random.Random, t: Temperament, interval: timedelta) -> timedelta:
    """How late a review happens: minutes for learning steps, then up to days."""
    if interval < timedelta(hours=6):
        return timedelta(minutes=rng.uniform(0, 15))
    lateness = rng.expovariate(1.0) * (1.2 - t.diligence) * min(interval.days + 1, 10) / 3
    return timedelta(days=lateness, hours=rng.uniform(0, 10))


def study_history(
    *, writer: Writer, user, cards: list[Card], t: Temperament, rng: random.Random, now
) -> None:
    sched = scheduling.scheduler()
    zone = ZoneInfo(user.time_zone)  # review days are the learner's calendar days
    days: Counter = Counter()
    again_days: Counter = Counter()
    span = (t.stopped - t.started).total_seconds()
    pace = 0.45 + 0.5 * t.diligence  # share of the period over which new cards arrive
    sequence = 0
    for index, card in enumerate(cards):
        moment = t.started + timedelta(
            seconds=span * pace * index / len(cards) + rng.uniform(0, 3600)
        )
        if moment > t.stopped:
            break
        fsrs_card = scheduling.fsrs_card_new(card_id=card.pk, now=moment)
        before = None
        reps = lapses = 0
        created = moment
        while moment <= t.stopped and reps < 20:
            if fsrs_card.stability is None:
                recall = 0.55 + 0.4 * t.skill
            else:
                recall = sched.get_card_retrievability(fsrs_card, current_datetime=moment)
                recall = min(0.99, recall * (0.75 + 0.25 * t.skill) + 0.05)
            rating = _rating(rng, t, recall)
            after, _ = sched.review_card(fsrs_card, rating, review_datetime=moment)
            state_after = after.to_dict()
            sequence += 1
            duration_ms = int(rng.lognormvariate(9.3, 0.5))  # drawn first, as they always were
            source = ReviewLog.Source.REVIEW if rng.random() < 0.85 else ReviewLog.Source.LESSON
            writer.add(
                ReviewLog(
                    user=user, card=card, rating=int(rating), duration_ms=duration_ms,
                    source=source,
                    state_before=before, state_after=state_after, reviewed_at=moment,
                    idempotency_key=f"demo-{sequence:06d}",
                )
            )  # fmt: skip
            day = moment.astimezone(zone).date()
            days[day] += 1
            again_days[day] += rating == Rating.Again
            reps += 1
            lapses = scheduling.lapses_after(lapses=lapses, rating=int(rating))
            fsrs_card, before = after, state_after
            moment = after.due + _delay(rng, t, after.due - moment)
        writer.add(
            CardState(
                user=user, card=card, fsrs=before, state=int(fsrs_card.state),
                stability=fsrs_card.stability, difficulty=fsrs_card.difficulty,
                due=fsrs_card.due, last_review=fsrs_card.last_review, reps=reps,
                lapses=lapses, created_at=created,
            )
        )  # fmt: skip
    for day, count in days.items():
        writer.add(ReviewDay(user=user, day=day, reviews=count, again=again_days[day]))
