"""The plan page's figures: the learner's plan projected day by day to their interview date,
what it buys per track, what it costs in minutes, and which memory model it runs on.

A fixed number of queries whatever the learner's history: the plan, the fits in use, the
cohort's date, the course's cards, the learner's card states (one per card) and their last 200
review durations.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from apps.content.models import Card, Track
from apps.core import clock
from apps.core.charts import nice_ceiling
from apps.core.percent import percent
from apps.study import fits, planning
from apps.study.models import CardState, StudyPlan, interview_date_for
from apps.study.selectors.plan import seconds_per_review, study_plan_get

CHART_WIDTH = 600
CHART_HEIGHT = 180
CHART_LEFT = 34
CHART_BOTTOM = 24
CHART_TOP = 10
HORIZON_WITHOUT_DATE = 14


@dataclass(frozen=True)
class ForecastBar:
    day: date
    reviews: int
    new: int
    minutes: float
    off: bool
    easy: bool
    x: str
    width: str
    review_y: str
    review_height: str
    new_y: str
    new_height: str


@dataclass(frozen=True)
class ForecastChart:
    bars: list[ForecastBar]
    maximum: int
    width: int = CHART_WIDTH
    height: int = CHART_HEIGHT
    left: int = CHART_LEFT
    baseline: int = CHART_HEIGHT - CHART_BOTTOM


def _n(value: float) -> str:
    return f"{value:.1f}".removesuffix(".0")


def forecast_chart(days: list[planning.PlanDay]) -> ForecastChart:
    """Stacked bars: reviews below, new cards above, one per day up to the date."""
    maximum = nice_ceiling(max((d.reviews + d.new for d in days), default=0))
    plot = CHART_HEIGHT - CHART_TOP - CHART_BOTTOM
    slot = (CHART_WIDTH - CHART_LEFT - 6) / max(len(days), 1)
    width = max(slot * 0.72, 1.0)
    bars = []
    for index, day in enumerate(days):
        review_h = plot * day.reviews / maximum
        new_h = plot * day.new / maximum
        base = CHART_HEIGHT - CHART_BOTTOM
        bars.append(
            ForecastBar(
                day=day.day,
                reviews=day.reviews,
                new=day.new,
                minutes=day.minutes,
                off=day.off,
                easy=day.easy,
                x=_n(CHART_LEFT + index * slot + (slot - width) / 2),
                width=_n(width),
                review_y=_n(base - review_h),
                review_height=_n(review_h),
                new_y=_n(base - review_h - new_h),
                new_height=_n(new_h),
            )
        )
    return ForecastChart(bars=bars, maximum=maximum)


@dataclass
class TrackForecast:
    track: Track
    cards: int
    followed: float
    stopped: float

    @property
    def followed_pct(self) -> int:
        return percent(self.followed)

    @property
    def stopped_pct(self) -> int:
        return percent(self.stopped)


@dataclass
class PlanPage:
    plan: StudyPlan
    today: date
    interview_date: date | None
    date_is_cohorts: bool
    target: float
    memory: fits.MemoryInUse
    pace_seconds: float
    budget: planning.Budget
    result: planning.Plan
    chart: ForecastChart
    tracks: list[TrackForecast] = field(default_factory=list)
    forecast: planning.Forecast | None = None
    reviewed_cards: int = 0

    @property
    def days_left(self) -> int | None:
        return (self.interview_date - self.today).days if self.interview_date else None

    @property
    def target_pct(self) -> int:
        return percent(self.target)

    @property
    def lowest_pct(self) -> int:
        return percent(self.result.lowest_recall)

    @property
    def on_track(self) -> bool:
        return self.result.lowest_recall >= self.target - 0.005

    @property
    def behind_points(self) -> int:
        return max(0, percent(self.target - self.result.lowest_recall))

    @property
    def total_minutes(self) -> int:
        return round(self.result.total_minutes)

    @property
    def daily_minutes(self) -> int:
        days = [d for d in self.result.days if not d.off] or self.result.days
        return round(sum(d.minutes for d in days) / max(len(days), 1))

    @property
    def gain_pct(self) -> int | None:
        fit = self.memory.fit
        if fit is None or fit.gain_over_population is None:
            return None
        return percent(fit.gain_over_population)


def plan_page(*, user, now: datetime) -> PlanPage:
    plan = study_plan_get(user=user)
    today = clock.local_date(user=user, moment=now)
    own_date = plan.interview_date
    interview = interview_date_for(user=user, plan=plan, today=today)
    if interview is not None and interview < today:
        interview = None  # after the date: the ordinary schedule, no forecast
    in_use = fits.memory_in_use(user=user)
    w = in_use.parameters
    target = planning.clamp_target(plan.target_recall)
    pace = seconds_per_review(user=user)
    budget = fits.plan_budget(plan=plan, seconds_per_review=pace)

    cards = list(
        Card.objects.live()
        .select_related("lesson__track")
        .only("pk", "lesson__track__title", "lesson__track__slug", "lesson__track__order")
        .order_by("lesson__track__order", "lesson__order", "order", "slug")
    )
    states = {
        state.card_id: state
        for state in CardState.objects.live()
        .filter(user=user)
        .only("card_id", "stability", "difficulty", "last_review", "due", "state")
    }
    today_start = clock.day_start(user=user, day=today)
    plan_cards = []
    tracks: dict[int, Track] = {}
    for card in cards:
        track = card.lesson.track
        tracks[track.pk] = track
        state = states.get(card.pk)
        if state is None or state.stability is None or state.last_review is None:
            plan_cards.append(planning.PlanCard(card=card.pk, track=track.pk))
            continue
        plan_cards.append(
            planning.PlanCard(
                card=card.pk,
                track=track.pk,
                stability=state.stability,
                difficulty=state.difficulty,
                last_day=(state.last_review - today_start).total_seconds() / 86_400,
                due_day=(state.due - today_start).total_seconds() / 86_400,
            )
        )
    kwargs = {
        "cards": plan_cards,
        "today": today,
        "interview": interview,
        "target": target,
        "new_per_day": plan.new_cards_per_day,
        "horizon": HORIZON_WITHOUT_DATE,
    }
    result = planning.plan(w, budget=budget, **kwargs)
    forecast = planning.forecast(w, budget=budget, **kwargs) if interview else None
    counts: dict[int, int] = {}
    for card in cards:
        counts[card.lesson.track_id] = counts.get(card.lesson.track_id, 0) + 1
    return PlanPage(
        plan=plan,
        today=today,
        interview_date=interview,
        date_is_cohorts=interview is not None and own_date is None,
        target=target,
        memory=in_use,
        pace_seconds=pace,
        budget=budget,
        result=result,
        chart=forecast_chart(result.days),
        tracks=[
            TrackForecast(
                track=tracks[track_id],
                cards=counts[track_id],
                followed=result.recall_if_followed.get(track_id, 0.0),
                stopped=result.recall_if_stopped.get(track_id, 0.0),
            )
            for track_id in tracks
        ],
        forecast=forecast,
        reviewed_cards=len(states),
    )
