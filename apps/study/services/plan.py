"""The learner's study plan: the daily new-card cap, the interview date, the target and the
budget. A change that moves the goal re-plans the cards already scheduled."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from django.db import transaction

from apps.study import fits, planning
from apps.study.models import StudyPlan


def study_plan_set_new_cards(*, user, new_cards_per_day: int) -> StudyPlan:
    plan, _ = StudyPlan.objects.update_or_create(
        user=user, defaults={"new_cards_per_day": max(0, int(new_cards_per_day))}
    )
    return plan


def study_plan_set_interview_date(*, user, interview_date: date | None) -> StudyPlan:
    with transaction.atomic():
        plan, _ = StudyPlan.objects.update_or_create(
            user=user, defaults={"interview_date": interview_date}
        )
        _plan_reschedule(user=user)
    return plan


def _plan_reschedule(*, user) -> None:
    """A new date, target or budget re-plans the learner's cards now, so the review session
    follows the new plan (within the daily budget, never as a backlog)."""
    fits.cards_reschedule(user=user, parameters=fits.memory_in_use(user=user).parameters)


def study_plan_update(
    *,
    user,
    interview_date: date | None,
    target_recall: float,
    budget_minutes: int | None,
    budget_reviews: int | None,
    easy_weekdays: Sequence[int] = (),
    days_off: Sequence[date] = (),
) -> StudyPlan:
    """The plan page's settings. A budget is in minutes or in reviews, not both (minutes win)."""
    with transaction.atomic():
        return _study_plan_update(
            user=user, target=planning.clamp_target(target_recall), interview_date=interview_date,
            budget_minutes=budget_minutes, budget_reviews=budget_reviews,
            easy_weekdays=easy_weekdays, days_off=days_off,
        )  # fmt: skip


def _study_plan_update(
    *, user, target, interview_date, budget_minutes, budget_reviews, easy_weekdays, days_off
) -> StudyPlan:
    plan, _ = StudyPlan.objects.update_or_create(
        user=user,
        defaults={
            "interview_date": interview_date,
            "target_recall": target,
            "budget_minutes": budget_minutes,
            "budget_reviews": None if budget_minutes is not None else budget_reviews,
            "easy_weekdays": sorted({int(d) for d in easy_weekdays if 0 <= int(d) <= 6}),
            "days_off": sorted({d.isoformat() for d in days_off}),
        },
    )
    _plan_reschedule(user=user)
    return plan
