"""The progress dashboard: today's work, streaks, the last 30 days, mastery per lesson, the
weakest cards, readiness for the interview date and recent mock interviews."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from apps.content.models import Card, Lesson
from apps.core import charts, clock
from apps.core.percent import percent
from apps.study import scheduling
from apps.study.models import (
    CardState,
    MockInterview,
    ReviewDay,
    StudyPlan,
    interview_date_for,
)
from apps.study.selectors.mocks import mock_history
from apps.study.selectors.plan import study_plan_get
from apps.study.selectors.progress import Progress, lesson_progress
from apps.study.selectors.readiness import Readiness, readiness


@dataclass
class LessonMastery:
    lesson: Lesson
    progress: Progress


@dataclass
class WeakCard:
    card: Card
    lapses: int
    reps: int
    retrievability: float

    @property
    def recall_pct(self) -> int:
        return percent(self.retrievability)


@dataclass
class Dashboard:
    now: datetime
    today: date
    plan: StudyPlan
    due: int
    new_left: int
    streak: int
    longest_streak: int
    reviews_total: int
    reviews_today: int
    reviews_30_days: int
    daily: charts.DailyChart
    overall: Progress
    mastery: list[LessonMastery]
    weakest: list[WeakCard]
    readiness: Readiness
    mocks: list[MockInterview]


def streaks(*, active_days: Iterable[date], today: date) -> tuple[int, int]:
    """(current, longest) runs of consecutive active days. The current streak still counts
    when today has no review yet but yesterday had one: the day is not over."""
    days = sorted(set(active_days))
    longest = run = 0
    previous = None
    for day in days:
        run = run + 1 if previous is not None and day - previous == timedelta(days=1) else 1
        longest = max(longest, run)
        previous = day
    current = 0
    if days and days[-1] >= today - timedelta(days=1):
        current = 1
        for later, earlier in zip(reversed(days), list(reversed(days))[1:], strict=False):
            if later - earlier != timedelta(days=1):
                break
            current += 1
    return current, longest


def dashboard(*, user, now: datetime) -> Dashboard:
    plan = study_plan_get(user=user)
    today = clock.local_date(user=user, moment=now)

    days = {row.day: row for row in ReviewDay.objects.filter(user=user, day__lte=today)}
    streak, longest = streaks(
        active_days=(d for d, row in days.items() if row.reviews), today=today
    )
    window = clock.days_between(today - timedelta(days=29), today)
    daily_counts = [(day, days[day].reviews if day in days else 0) for day in window]

    cards = list(
        Card.objects.live()
        .select_related("lesson__track")
        .only("pk", "slug", "question_md", "lesson__title", "lesson__slug", "lesson__order",
              "lesson__track__title", "lesson__track__slug", "lesson__track__order")
        .order_by("lesson__track__order", "lesson__order", "order", "slug")
    )  # fmt: skip
    states = {state.card_id: state for state in CardState.objects.live().filter(user=user)}
    start = clock.day_start(user=user, day=today)
    new_today = sum(1 for state in states.values() if state.created_at >= start)
    unseen = len(cards) - len(states)

    overall = lesson_progress(cards=cards, states=states.values())
    mastery: dict[int, LessonMastery] = {}
    for card in cards:
        entry = mastery.setdefault(card.lesson_id, LessonMastery(card.lesson, Progress(total=0)))
        entry.progress.total += 1
        entry.progress.add_card(states.get(card.pk))

    by_card = {card.pk: card for card in cards}
    weakest = sorted(
        (state for state in states.values() if state.lapses),
        key=lambda s: (-s.lapses, s.stability or 0.0),
    )[:5]

    return Dashboard(
        now=now,
        today=today,
        plan=plan,
        due=sum(1 for state in states.values() if state.due <= now),
        new_left=max(0, min(plan.new_cards_per_day - new_today, unseen)),
        streak=streak,
        longest_streak=longest,
        reviews_total=sum(row.reviews for row in days.values()),
        reviews_today=days[today].reviews if today in days else 0,
        reviews_30_days=sum(count for _, count in daily_counts),
        daily=charts.daily_chart(counts=daily_counts),
        overall=overall,
        mastery=list(mastery.values()),
        weakest=[
            WeakCard(
                card=by_card[s.card_id],
                lapses=s.lapses,
                reps=s.reps,
                retrievability=scheduling.retrievability_at(
                    fsrs_card=scheduling.fsrs_card_load(s.fsrs), moment=now
                ),
            )
            for s in weakest
        ],
        readiness=readiness(
            user=user,
            interview_date=interview_date_for(user=user, plan=plan, today=today),
            now=now,
            cards=cards,
            states=states,
        ),
        mocks=mock_history(user=user),
    )
