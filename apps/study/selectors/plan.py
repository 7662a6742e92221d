"""The learner's plan as every study page reads it: their settings, what their schedule aims
at, how fast they review, and how many cards are due now."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, FilteredRelation, Q

from apps.content.models import Card
from apps.core import clock
from apps.study import fits, planning, scheduling
from apps.study.models import ReviewLog, StudyPlan, interview_date_for


def study_plan_get(*, user) -> StudyPlan:
    """The learner's plan, or an unsaved one with the defaults."""
    return StudyPlan.objects.filter(user=user).first() or StudyPlan(user=user)


def study_aim(*, user, now: datetime, plan: StudyPlan | None = None) -> scheduling.Aim:
    """What the learner's schedule aims at: their parameters (own fit, population fit or
    defaults) and, with an interview date still ahead, 9:00 on that day and the target
    recall. At most four queries."""
    plan = plan or study_plan_get(user=user)
    parameters = fits.memory_in_use(user=user).parameters
    today = clock.local_date(user=user, moment=now)
    interview = interview_date_for(user=user, plan=plan, today=today)
    moment = (
        clock.local_moment(user=user, day=interview, at=planning.INTERVIEW_TIME)
        if interview
        else None
    )
    if moment is not None and moment <= now:
        moment = None  # after the date: the ordinary long-term schedule
    return scheduling.Aim(
        parameters=tuple(parameters),
        interview=moment,
        target=planning.clamp_target(plan.target_recall),
    )


def seconds_per_review(*, user, recent: int = 200) -> float:
    """The learner's own pace: the mean of their last `recent` review durations, each clipped
    to 5-120 s (a card left open while making tea is not thinking time); 20 s before any."""
    durations = list(
        ReviewLog.objects.filter(user=user, duration_ms__isnull=False)
        .order_by("-reviewed_at")
        .values_list("duration_ms", flat=True)[:recent]
    )
    if not durations:
        return planning.SECONDS_PER_REVIEW_DEFAULT
    return sum(min(max(ms / 1000, 5.0), 120.0) for ms in durations) / len(durations)


@dataclass(frozen=True)
class DueSummary:
    due: int  # reviews due now
    new_left: int  # new cards still on offer today
    new_today: int
    new_cap: int
    unseen: int

    @property
    def total(self) -> int:
        return self.due + self.new_left


def due_summary(*, user, now: datetime, plan: StudyPlan | None = None) -> DueSummary:
    """Cards to study now: reviews that are due, plus the new cards left under today's cap.
    Two queries (the plan, then one aggregate over the course's cards)."""
    plan = plan or study_plan_get(user=user)
    start = clock.day_start(user=user, day=clock.local_date(user=user, moment=now))
    figures = (
        Card.objects.live()
        .annotate(mine=FilteredRelation("study_states", condition=Q(study_states__user=user)))
        .aggregate(
            total=Count("pk"),
            seen=Count("mine"),
            due=Count("mine", filter=Q(mine__due__lte=now)),
            new_today=Count("mine", filter=Q(mine__created_at__gte=start)),
        )
    )
    unseen = figures["total"] - figures["seen"]
    new_left = max(0, min(plan.new_cards_per_day - figures["new_today"], unseen))
    return DueSummary(
        due=figures["due"],
        new_left=new_left,
        new_today=figures["new_today"],
        new_cap=plan.new_cards_per_day,
        unseen=unseen,
    )
