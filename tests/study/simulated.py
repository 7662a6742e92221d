"""Small simulated review logs for fit tests: a learner whose memory follows FSRS with given
parameters, reviewing on the default schedule; rows bulk-inserted."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from django.db.models import F

from apps.core import clock
from apps.study import memory, planning
from apps.study.models import CardState, ReviewDay, ReviewLog

FAST_FORGETTER = list(memory.DEFAULT_PARAMETERS)
FAST_FORGETTER[0:4] = [0.1, 0.3, 0.6, 2.0]
FAST_FORGETTER[8] = 0.8


def simulate_log(*, true_w, cards: int, days: int, seed: int, new_per_day: int = 8):
    """(card index, day offset, rating) triples, on the default-parameter schedule."""
    rng = random.Random(seed)
    w0 = memory.DEFAULT_PARAMETERS
    truth: dict[int, memory.Memory] = {}
    seen: dict[int, memory.Memory] = {}
    last: dict[int, int] = {}
    due: dict[int, float] = {}
    rows = []
    for day in range(days):
        for card in sorted(due, key=due.get):
            if due[card] > day:
                continue
            recalled = rng.random() < memory.retrievability(
                true_w, truth[card].stability, day - last[card]
            )
            rating = rng.choice([2, 3, 3, 3, 3, 4]) if recalled else 1
            truth[card] = memory.next_memory(true_w, truth[card], rating, day - last[card])
            seen[card] = memory.next_memory(w0, seen[card], rating, day - last[card])
            last[card] = day
            due[card] = planning.ordinary_due(w0, stability=seen[card].stability, last_day=day)
            rows.append((card, day, rating))
        for card in range(len(last), min(len(last) + new_per_day, cards)):
            rating = rng.choice([1, 2, 3, 3, 3, 4])
            truth[card] = memory.first_memory(true_w, rating)
            seen[card] = memory.first_memory(w0, rating)
            last[card] = day
            due[card] = planning.ordinary_due(w0, stability=seen[card].stability, last_day=day)
            rows.append((card, day, rating))
    return rows


def insert_log(*, user, cards, rows, end: datetime, source: str = "review", days: int) -> int:
    """Bulk-insert `rows` as `user`'s reviews of `cards`, the last day ending at `end`, with a
    CardState per card (in the Review state, due per the default schedule)."""
    start = end - timedelta(days=days)
    logs = []
    last_seen: dict[int, datetime] = {}
    for index, (card, day, rating) in enumerate(rows):
        moment = start + timedelta(days=day, minutes=index % 600)
        last_seen[card] = moment
        logs.append(
            ReviewLog(
                user=user, card=cards[card], rating=rating, source=source, duration_ms=15000,
                state_before=None, state_after={}, reviewed_at=moment,
                idempotency_key=f"sim-{source}-{index}",
            )
        )  # fmt: skip
    ReviewLog.objects.bulk_create(logs)
    per_day: dict = {}
    for log in logs:  # as review_record keeps them: the review path counts reviews from these
        day = clock.local_date(user=user, moment=log.reviewed_at)
        reviews, again = per_day.get(day, (0, 0))
        per_day[day] = (reviews + 1, again + (log.rating == 1))
    for day, (reviews, again) in per_day.items():
        updated = ReviewDay.objects.filter(user=user, day=day).update(
            reviews=F("reviews") + reviews, again=F("again") + again
        )
        if not updated:
            ReviewDay.objects.create(user=user, day=day, reviews=reviews, again=again)
    states = [
        CardState(
            user=user, card=cards[card], fsrs={"card_id": cards[card].pk, "state": 2, "step": None,
            "stability": 5.0, "difficulty": 5.0, "due": (moment + timedelta(days=5)).isoformat(),
            "last_review": moment.isoformat()}, state=2, stability=5.0, difficulty=5.0,
            due=moment + timedelta(days=5), last_review=moment, reps=1, created_at=moment,
        )
        for card, moment in last_seen.items()
    ]  # fmt: skip
    CardState.objects.bulk_create(states)
    return len(logs)


NOON = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
