"""The review session: which card comes next (due cards, then new ones within the daily cap
and the plan, then learning steps shown early), and the summary when nothing is left."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db.models import Count, Q

from apps.content.models import Card, Track
from apps.core import clock
from apps.core.percent import percent
from apps.study import fits, planning, scheduling
from apps.study.models import CardState, ReviewDay, ReviewLog, StudyPlan, interview_date_for
from apps.study.selectors.plan import seconds_per_review, study_plan_get

LEARN_AHEAD = timedelta(minutes=20)


@dataclass
class ReviewItem:
    card: Card
    state: CardState | None
    kind: str  # "due", "new" or "ahead" (a learning step shown early)


def review_next(
    *, user, now: datetime, track: Track | None = None, plan: StudyPlan | None = None
) -> ReviewItem | None:
    """The next card of a review session: due cards first (most overdue first), then new cards
    in course order up to the daily cap, then learning steps due within 20 minutes."""
    states = CardState.objects.live().filter(user=user).select_related("card__lesson__track")
    cards = Card.objects.live().select_related("lesson__track")
    if track is not None:
        states = states.filter(card__lesson__track=track)
        cards = cards.filter(lesson__track=track)

    plan = plan or study_plan_get(user=user)
    today = clock.local_date(user=user, moment=now)
    within_budget = _within_todays_budget(user=user, plan=plan, today=today)
    due = states.filter(due__lte=now).order_by("due", "pk").first() if within_budget else None
    if due is not None:
        return ReviewItem(card=due.card, state=due, kind="due")

    start = clock.day_start(user=user, day=today)
    new_today = CardState.objects.filter(user=user, created_at__gte=start).count()
    if (
        within_budget
        and new_today < plan.new_cards_per_day
        and _may_start_new(user=user, plan=plan, now=now, today=today)
    ):
        card = (
            cards.exclude(study_states__user=user)
            .order_by("lesson__track__order", "lesson__order", "order", "slug")
            .first()
        )
        if card is not None:
            return ReviewItem(card=card, state=None, kind="new")

    ahead = (
        states.filter(
            state__in=[CardState.State.LEARNING, CardState.State.RELEARNING],
            due__lte=now + LEARN_AHEAD,
        )
        .order_by("due", "pk")
        .first()
    )
    if ahead is not None:
        return ReviewItem(card=ahead.card, state=ahead, kind="ahead")
    return None


def _within_todays_budget(*, user, plan: StudyPlan, today: date) -> bool:
    """With a daily budget, the session stops when today's share is done (days off and easy
    days included); what is left re-plans over the next days instead of piling up. No budget:
    always (no query)."""
    if plan.budget_minutes is None and plan.budget_reviews is None:
        return True
    pace = (
        seconds_per_review(user=user)
        if plan.budget_minutes is not None
        else planning.SECONDS_PER_REVIEW_DEFAULT
    )
    capacity = fits.plan_budget(plan=plan, seconds_per_review=pace).capacity(today)
    done = ReviewDay.objects.filter(user=user, day=today).values_list("reviews", flat=True)
    return (done.first() or 0) < capacity


def _may_start_new(*, user, plan: StudyPlan, now: datetime, today: date) -> bool:
    """Before an interview, new cards start only up to the last sensible day (each still
    reaches the target by the date)."""
    interview = interview_date_for(user=user, plan=plan, today=today)
    if interview is None or interview < today:
        return True
    last = planning.last_new_day(
        fits.memory_in_use(user=user).parameters,
        date_day=(interview - today).days,
        target=planning.clamp_target(plan.target_recall),
    )
    return last is not None  # counted from today, so today is within it


@dataclass
class SessionSummary:
    reviewed: int
    again: int
    next_due: datetime | None
    next_due_label: str

    @property
    def again_pct(self) -> int:
        return percent(self.again, self.reviewed)


def session_summary(*, user, since: datetime, now: datetime) -> SessionSummary:
    figures = ReviewLog.objects.filter(
        user=user, source=ReviewLog.Source.REVIEW, reviewed_at__gte=since
    ).aggregate(reviewed=Count("pk"), again=Count("pk", filter=Q(rating=ReviewLog.Rating.AGAIN)))
    upcoming = (
        CardState.objects.live()
        .filter(user=user)
        .order_by("due")
        .values_list("due", flat=True)
        .first()
    )
    if upcoming is None:
        label = "nothing scheduled yet"
    elif upcoming <= now:
        label = "now"
    else:
        label = f"in {scheduling.interval_label(upcoming - now)}"
    return SessionSummary(
        reviewed=figures["reviewed"],
        again=figures["again"],
        next_due=upcoming,
        next_due_label=label,
    )
