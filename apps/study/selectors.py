"""Reads over the study tables: due counts, the review queue, progress figures, the dashboard,
readiness for an interview date, mock interviews and exports.

Every function here costs a fixed number of queries, whatever the size of the learner's
history: figures are aggregated in the database, or read from rows bounded by the size of the
course (one CardState per card) or by the calendar (one ReviewDay per day).
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db.models import Count, FilteredRelation, Prefetch, Q, QuerySet
from django.shortcuts import get_object_or_404

from apps.content.models import Card, Lesson, Track, live_card_q
from apps.core import charts, clock
from apps.study import planning, scheduling
from apps.study.models import (
    CardState,
    MockInterview,
    MockQuestion,
    ReviewDay,
    ReviewLog,
    StudyPlan,
    is_learned,
    is_mastered,
    learned_q,
    mastered_q,
)

LIVE_CARD = live_card_q()
LIVE_STATE = live_card_q("card__")
LEARNED = learned_q()
MASTERED = mastered_q()
LEARN_AHEAD = timedelta(minutes=20)
INTERVIEW_TIME = planning.INTERVIEW_TIME  # readiness is projected to 9:00 on the day


# Plan and due counts ----------------------------------------------------------------------


def study_plan_get(*, user) -> StudyPlan:
    """The learner's plan, or an unsaved one with the defaults."""
    return StudyPlan.objects.filter(user=user).first() or StudyPlan(user=user)


def interview_date_for(*, user, plan: StudyPlan, today: date) -> date | None:
    """The learner's own interview date, else their cohort's (at most one query)."""
    return plan.interview_date or _cohort_interview_date(user=user, today=today)


def study_aim(*, user, now: datetime, plan: StudyPlan | None = None) -> scheduling.Aim:
    """What the learner's schedule aims at: their parameters (own fit, population fit or
    defaults) and, with an interview date still ahead, 9:00 on that day and the target
    recall. At most four queries."""
    from apps.study.fits import memory_in_use

    plan = plan or study_plan_get(user=user)
    parameters = memory_in_use(user=user).parameters
    today = clock.local_date(user=user, moment=now)
    interview = interview_date_for(user=user, plan=plan, today=today)
    moment = clock.local_moment(user=user, day=interview, at=INTERVIEW_TIME) if interview else None
    if moment is not None and moment <= now:
        moment = None  # after the date: the ordinary long-term schedule
    return scheduling.Aim(
        parameters=tuple(parameters),
        interview=moment,
        target=planning.clamp_target(plan.target_recall),
    )


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
        Card.objects.filter(LIVE_CARD)
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


# Progress ---------------------------------------------------------------------------------


@dataclass
class Progress:
    """Seen, learned and mastered cards out of `total` (definitions on the dashboard)."""

    total: int
    seen: int = 0
    learned: int = 0
    mastered: int = 0

    def _pct(self, count: int) -> float:
        return round(100 * count / self.total, 1) if self.total else 0.0

    @property
    def seen_pct(self) -> float:
        return self._pct(self.seen)

    @property
    def learned_pct(self) -> float:
        return self._pct(self.learned)

    @property
    def mastered_pct(self) -> float:
        return self._pct(self.mastered)

    def add(self, other: Progress) -> None:
        self.total += other.total
        self.seen += other.seen
        self.learned += other.learned
        self.mastered += other.mastered


def _progress_rows(*, user, group_by: str, **filters) -> dict[int, dict]:
    rows = (
        CardState.objects.filter(LIVE_STATE, user=user, **filters)
        .values(group_by)
        .annotate(
            seen=Count("pk"),
            learned=Count("pk", filter=LEARNED),
            mastered=Count("pk", filter=MASTERED),
        )
    )
    return {row[group_by]: row for row in rows}


def _progress(total: int, row: dict | None) -> Progress:
    row = row or {}
    return Progress(
        total=total,
        seen=row.get("seen", 0),
        learned=row.get("learned", 0),
        mastered=row.get("mastered", 0),
    )


def progress_attach_to_tracks(*, user, tracks: Iterable[Track]) -> list[Track]:
    """Set `track.progress` on tracks annotated with `card_count` (one query; none when
    anonymous, where progress stays unset)."""
    tracks = list(tracks)
    if not user.is_authenticated:
        return tracks
    rows = _progress_rows(user=user, group_by="card__lesson__track_id")
    for track in tracks:
        track.progress = _progress(track.card_count, rows.get(track.pk))
    return tracks


def progress_attach_to_lessons(*, user, track: Track, lessons: Iterable[Lesson]) -> list[Lesson]:
    """Set `lesson.progress` on lessons annotated with `card_count`, and `track.progress` as
    their sum (one query)."""
    lessons = list(lessons)
    if not user.is_authenticated:
        return lessons
    rows = _progress_rows(user=user, group_by="card__lesson_id", card__lesson__track=track)
    track.progress = Progress(total=0)
    for lesson in lessons:
        lesson.progress = _progress(lesson.card_count, rows.get(lesson.pk))
        track.progress.add(lesson.progress)
    return lessons


# Rating controls --------------------------------------------------------------------------


@dataclass
class CardStudy:
    """What the rating controls under one card need."""

    context: str  # "lesson" or "review"
    options: list[scheduling.RatingOption] = field(default_factory=list)
    idempotency_key: str = ""
    status: str = ""
    since: int | None = None
    track: str = ""


def _status(state: CardState | None, now: datetime) -> str:
    if state is None:
        return "New card"
    label = state.get_state_display()
    if state.due <= now:
        return f"{label} · due now"
    return f"{label} · due in {scheduling.interval_label(state.due - now)}"


def card_study(
    *,
    card: Card,
    state: CardState | None,
    now: datetime,
    context: str,
    aim: scheduling.Aim | None = None,
    user=None,
    **extra,
) -> CardStudy:
    """The rating controls; the intervals on the buttons follow the learner's own aim (their
    parameters and interview date) when `aim` or `user` is given."""
    if aim is None and user is not None and user.is_authenticated:
        aim = study_aim(user=user, now=now)
    fsrs_card = (
        scheduling.fsrs_card_load(state.fsrs)
        if state is not None
        else scheduling.fsrs_card_new(card_id=card.pk, now=now)
    )
    return CardStudy(
        context=context,
        options=scheduling.rating_options(
            fsrs_card=fsrs_card, now=now, aim=aim or scheduling.DEFAULT_AIM
        ),
        idempotency_key=uuid.uuid4().hex,
        status=_status(state, now),
        **extra,
    )


def lesson_study_attach(
    *, user, lesson: Lesson, cards: Iterable[Card], now: datetime | None = None
) -> Iterable[Card]:
    """For a learner: the lesson's cards as a list, each with its rating controls
    (`card.study`), and `lesson.progress` (one query). For a visitor: `cards` untouched, so a
    lazy queryset stays lazy for the page's cache."""
    if not user.is_authenticated:
        return cards
    now = now or clock.now()
    cards = list(cards)
    states = {state.card_id: state for state in CardState.objects.filter(user=user, card__in=cards)}
    aim = study_aim(user=user, now=now)
    for card in cards:
        card.study = card_study(
            card=card, state=states.get(card.pk), now=now, context="lesson", aim=aim
        )
    lesson.progress = lesson_progress(cards=cards, states=states.values())
    return cards


def lesson_progress(*, cards: list[Card], states: Iterable[CardState]) -> Progress:
    ids = {card.pk for card in cards}
    progress = Progress(total=len(ids))
    for state in states:
        if state.card_id in ids:
            progress.seen += 1
            progress.learned += is_learned(state=state.state)
            progress.mastered += is_mastered(state=state.state, stability=state.stability)
    return progress


def lesson_progress_for_card(*, user, card: Card) -> Progress:
    """The progress of the lesson holding `card`, after a rating on the lesson page (one
    query)."""
    figures = (
        Card.objects.filter(LIVE_CARD, lesson_id=card.lesson_id)
        .annotate(mine=FilteredRelation("study_states", condition=Q(study_states__user=user)))
        .aggregate(
            total=Count("pk"),
            seen=Count("mine"),
            learned=Count("mine", filter=learned_q("mine__")),
            mastered=Count("mine", filter=mastered_q("mine__")),
        )
    )
    return Progress(**figures)


def card_for_review(*, slug: str) -> Card:
    return get_object_or_404(
        Card.objects.filter(LIVE_CARD).select_related("lesson__track"), slug=slug
    )


# Review session ---------------------------------------------------------------------------


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
    states = CardState.objects.filter(LIVE_STATE, user=user).select_related("card__lesson__track")
    cards = Card.objects.filter(LIVE_CARD).select_related("lesson__track")
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


def _within_todays_budget(*, user, plan: StudyPlan, today: date) -> bool:
    """With a daily budget, the session stops when today's share is done (days off and easy
    days included); what is left re-plans over the next days instead of piling up. No budget:
    always (no query)."""
    if plan.budget_minutes is None and plan.budget_reviews is None:
        return True
    from apps.study.fits import plan_budget

    pace = seconds_per_review(user=user) if plan.budget_minutes is not None else 20.0
    capacity = plan_budget(plan=plan, seconds_per_review=pace).capacity(today)
    done = ReviewDay.objects.filter(user=user, day=today).values_list("reviews", flat=True)
    return (done.first() or 0) < capacity


def _may_start_new(*, user, plan: StudyPlan, now: datetime, today: date) -> bool:
    """Before an interview, new cards start only up to the last sensible day (each still
    reaches the target by the date)."""
    interview = interview_date_for(user=user, plan=plan, today=today)
    if interview is None or interview < today:
        return True
    from apps.study.fits import memory_in_use

    last = planning.last_new_day(
        memory_in_use(user=user).parameters,
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
        return round(100 * self.again / self.reviewed) if self.reviewed else 0


def session_summary(*, user, since: datetime, now: datetime) -> SessionSummary:
    figures = ReviewLog.objects.filter(
        user=user, source=ReviewLog.Source.REVIEW, reviewed_at__gte=since
    ).aggregate(reviewed=Count("pk"), again=Count("pk", filter=Q(rating=ReviewLog.Rating.AGAIN)))
    upcoming = (
        CardState.objects.filter(LIVE_STATE, user=user)
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


# Dashboard --------------------------------------------------------------------------------


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
        return round(100 * self.retrievability)


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
        return round(100 * self.recall)


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
        return round(100 * sum(t.recall * t.cards for t in self.tracks) / cards)


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
        Card.objects.filter(LIVE_CARD)
        .select_related("lesson__track")
        .only("pk", "slug", "question_md", "lesson__title", "lesson__slug", "lesson__order",
              "lesson__track__title", "lesson__track__slug", "lesson__track__order")
        .order_by("lesson__track__order", "lesson__order", "order", "slug")
    )  # fmt: skip
    states = {state.card_id: state for state in CardState.objects.filter(LIVE_STATE, user=user)}
    start = clock.day_start(user=user, day=today)
    new_today = sum(1 for state in states.values() if state.created_at >= start)
    unseen = len(cards) - len(states)

    overall = lesson_progress(cards=cards, states=states.values())
    mastery: dict[int, LessonMastery] = {}
    for card in cards:
        entry = mastery.setdefault(card.lesson_id, LessonMastery(card.lesson, Progress(total=0)))
        entry.progress.total += 1
        state = states.get(card.pk)
        if state is not None:
            entry.progress.seen += 1
            entry.progress.learned += is_learned(state=state.state)
            entry.progress.mastered += is_mastered(state=state.state, stability=state.stability)

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
            interview_date=plan.interview_date or _cohort_interview_date(user=user, today=today),
            now=now,
            cards=cards,
            states=states,
        ),
        mocks=mock_history(user=user),
    )


def _cohort_interview_date(*, user, today: date) -> date | None:
    """The interview date an instructor set on one of the learner's cohorts, used when the
    learner has not set their own (one query)."""
    try:
        from apps.cohorts.selectors import cohort_interview_date
    except ImportError:  # the cohorts app is optional
        return None
    found = cohort_interview_date(user=user, today=today)
    return found[0] if found else None


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
    moment = max(clock.local_moment(user=user, day=interview_date, at=INTERVIEW_TIME), now)
    per_track: dict[int, list] = defaultdict(list)
    tracks: dict[int, Track] = {}
    from apps.study.fits import memory_in_use

    parameters = memory_in_use(user=user).parameters
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
                    Suggestion(card=e[0], now_pct=round(100 * e[2]), after_pct=round(100 * e[3]))
                    for e in gains[:suggestions_per_track]
                    if e[3] - e[2] > 0.005
                ],
            )
        )
    return Readiness(
        interview_date=interview_date, days_left=(interview_date - today).days, tracks=result
    )


# Mock interviews --------------------------------------------------------------------------


def mock_get(*, user, pk: int) -> MockInterview:
    """A mock interview of this learner (404 for anyone else's)."""
    return get_object_or_404(
        MockInterview.objects.filter(user=user).prefetch_related("tracks"), pk=pk
    )


def mock_questions(*, mock: MockInterview) -> list:
    return list(mock.questions.select_related("card__lesson__track").order_by("position"))


def mock_history(*, user, limit: int = 10) -> list[MockInterview]:
    """The latest mock interviews with their question count and key-point coverage (three
    queries: mocks, their tracks, their questions)."""
    mocks = list(
        MockInterview.objects.filter(user=user)
        .prefetch_related("tracks")
        .order_by("-created_at")[:limit]
    )
    per_mock: dict[int, list[MockQuestion]] = defaultdict(list)
    if mocks:
        questions = MockQuestion.objects.filter(mock__in=mocks).only(
            "mock_id", "covered", "key_point_count", "scored_at"
        )
        for question in questions:
            per_mock[question.mock_id].append(question)
    for mock in mocks:
        scored = [q for q in per_mock[mock.pk] if q.scored_at]
        points = sum(q.key_point_count for q in scored)
        mock.question_count = len(per_mock[mock.pk])
        mock.scored_count = len(scored)
        mock.coverage_pct = (
            round(100 * sum(len(q.covered) for q in scored) / points) if points else None
        )
    return mocks


# Exports ----------------------------------------------------------------------------------


def export_reviews(*, user) -> Iterator[ReviewLog]:
    return (
        ReviewLog.objects.filter(user=user)
        .select_related("card__lesson__track")
        .order_by("reviewed_at", "pk")
        .iterator(chunk_size=2000)
    )


def export_card_states(*, user) -> QuerySet[CardState]:
    return (
        CardState.objects.filter(user=user)
        .select_related("card__lesson__track")
        .order_by("card__lesson__track__order", "card__lesson__order", "card__order")
    )


def export_mocks(*, user) -> QuerySet[MockInterview]:
    return (
        MockInterview.objects.filter(user=user)
        .prefetch_related(
            "tracks",
            Prefetch(
                "questions",
                queryset=MockQuestion.objects.select_related("card").order_by("position"),
            ),
        )
        .order_by("created_at")
    )
