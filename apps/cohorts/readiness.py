"""Readiness on the cohort's interview date: for each learner, the predicted recall on that
day of their weakest track if they follow their plan (their own parameters, target and budget),
and whether that is on track. Reads only, in a fixed number of queries (members, plans, card
states, adopted fits, paces, the course), then one plan projection per learner in Python.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Avg

from apps.cohorts.models import Cohort, Membership
from apps.cohorts.selectors import cohort_zone
from apps.content.models import Card, live_card_q
from apps.core import clock
from apps.core.percent import percent
from apps.study import fits, memory, planning
from apps.study.models import CardState, MemoryFit, ReviewLog, StudyPlan


@dataclass
class LearnerReadiness:
    user_id: int
    username: str
    name: str
    target: float
    followed: float  # weakest track, following the plan
    stopped: float  # weakest track, with no more reviews
    mean_followed: float  # all cards
    model: str  # "own", "population" or "default"

    @property
    def on_track(self) -> bool:
        return self.followed >= self.target - 0.005

    @property
    def behind_points(self) -> int:
        return max(0, percent(self.target - self.followed))

    @property
    def followed_pct(self) -> int:
        return percent(self.followed)

    @property
    def stopped_pct(self) -> int:
        return percent(self.stopped)

    @property
    def target_pct(self) -> int:
        return percent(self.target)

    @property
    def mean_followed_pct(self) -> int:
        return percent(self.mean_followed)


@dataclass
class CohortReadiness:
    interview_date: object
    days_left: int | None
    learners: list[LearnerReadiness] = field(default_factory=list)

    @property
    def on_track(self) -> list[LearnerReadiness]:
        return [r for r in self.learners if r.on_track]

    @property
    def behind(self) -> list[LearnerReadiness]:
        return sorted((r for r in self.learners if not r.on_track), key=lambda r: r.followed)


def cohort_readiness(*, cohort: Cohort, now: datetime) -> CohortReadiness:
    today = now.astimezone(cohort_zone(cohort)).date()
    day = cohort.interview_date
    if day is None or day < today:
        return CohortReadiness(interview_date=day, days_left=None)
    members = [
        m.user
        for m in Membership.objects.filter(cohort=cohort)
        .select_related("user")
        .order_by("user__username")
    ]
    ids = [user.pk for user in members]
    plans = {plan.user_id: plan for plan in StudyPlan.objects.filter(user_id__in=ids)}
    own: dict[int, MemoryFit] = {}
    for fit in MemoryFit.objects.filter(user_id__in=ids, adopted=True).order_by("created_at"):
        own[fit.user_id] = fit  # the latest wins
    population = fits.population_fit()
    paces = {
        row["user_id"]: row["pace"]
        for row in ReviewLog.objects.filter(user_id__in=ids, duration_ms__isnull=False)
        .values("user_id")
        .annotate(pace=Avg("duration_ms"))
    }
    cards = list(
        Card.objects.live()
        .order_by("lesson__track__order", "lesson__order", "order", "slug")
        .values_list("pk", "lesson__track_id")
    )
    states: dict[int, list] = defaultdict(list)
    for row in CardState.objects.filter(live_card_q("card__"), user_id__in=ids).values_list(
        "user_id", "card_id", "stability", "difficulty", "last_review", "due"
    ):
        states[row[0]].append(row[1:])

    result = CohortReadiness(interview_date=day, days_left=(day - today).days)
    for user in members:
        plan = plans.get(user.pk) or StudyPlan(user=user)
        if user.pk in own:
            w, model = tuple(own[user.pk].parameters), "own"
        elif population is not None:
            w, model = tuple(population.parameters), "population"
        else:
            w, model = memory.DEFAULT_PARAMETERS, "default"
        pace = min(max((paces.get(user.pk) or 20_000) / 1000, 5.0), 120.0)
        learner_today = clock.local_date(user=user, moment=now)
        start = clock.day_start(user=user, day=learner_today)
        known = {}
        for card_id, stability, difficulty, last_review, due in states.get(user.pk, []):
            if stability is None or last_review is None:
                continue
            known[card_id] = planning.PlanCard(
                card=card_id,
                track=0,
                stability=stability,
                difficulty=difficulty,
                last_day=(last_review - start).total_seconds() / 86_400,
                due_day=(due - start).total_seconds() / 86_400,
            )
        plan_cards = []
        for card_id, track_id in cards:
            entry = known.get(card_id) or planning.PlanCard(card=card_id, track=track_id)
            entry.track = track_id
            plan_cards.append(entry)
        target = planning.clamp_target(plan.target_recall)
        projected = planning.plan(
            w,
            cards=plan_cards,
            today=learner_today,
            interview=day,
            target=target,
            budget=fits.plan_budget(plan=plan, seconds_per_review=pace),
            new_per_day=plan.new_cards_per_day,
        )
        followed = projected.recall_if_followed
        counts: dict[int, int] = defaultdict(int)
        for _, track_id in cards:
            counts[track_id] += 1
        total = sum(counts.values()) or 1
        result.learners.append(
            LearnerReadiness(
                user_id=user.pk,
                username=user.username,
                name=user.public_name,
                target=target,
                followed=min(followed.values(), default=0.0),
                stopped=min(projected.recall_if_stopped.values(), default=0.0),
                mean_followed=sum(followed[t] * counts[t] for t in followed) / total,
                model=model,
            )
        )
    return result
