"""Writes to the study tables: reviews on the FSRS schedule, the study plan, mock interviews."""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from django.db import IntegrityError, transaction
from django.db.models import F
from fsrs import Rating

from apps.content.models import Card, Track
from apps.core import clock
from apps.study import scheduling
from apps.study.models import (
    CardState,
    MockInterview,
    MockQuestion,
    ReviewDay,
    ReviewLog,
    StudyPlan,
)

MAX_DURATION_MS = 6 * 60 * 60 * 1000  # longer than this is a forgotten tab, not thinking time
_ATTEMPTS = 3


class ReviewError(ValueError):
    """A review that cannot be recorded (unknown rating or source, malformed key)."""


def review_record(
    *,
    user,
    card: Card,
    rating: int,
    duration_ms: int | None = None,
    source: str = "review",
    idempotency_key: str | None = None,
) -> ReviewLog:
    """Record one review of `card` by `user` and move the card along its FSRS schedule.

    rating: 1=Again 2=Hard 3=Good 4=Easy. source: "review", "lesson", "mock" or "exercise".
    A repeated `idempotency_key` (double click, retried post, re-run task) returns the log the
    first call made and changes nothing. Concurrent reviews of the same card are serialised on
    the card's state row, so each applies to the state the previous one left.
    """
    rating = _valid_rating(rating)
    if source not in ReviewLog.Source.values:
        raise ReviewError(f"unknown review source {source!r}")
    key = idempotency_key or uuid.uuid4().hex
    if not 1 <= len(key) <= 64:
        raise ReviewError("idempotency_key must be 1 to 64 characters")
    if duration_ms is not None:
        duration_ms = min(max(int(duration_ms), 0), MAX_DURATION_MS)

    for attempt in range(_ATTEMPTS):
        try:
            with transaction.atomic():
                return _review_apply(
                    user=user, card=card, rating=rating, duration_ms=duration_ms,
                    source=source, key=key,
                )  # fmt: skip
        except IntegrityError:
            # Another request won a race: the same key (the next pass finds its log under the
            # lock and returns it) or the first review of this card or day (retry on top of it).
            if attempt == _ATTEMPTS - 1:
                raise
    raise AssertionError("unreachable")


def _valid_rating(rating) -> int:
    try:
        return int(Rating(int(rating)))
    except (TypeError, ValueError) as exc:
        raise ReviewError(f"rating must be 1, 2, 3 or 4, not {rating!r}") from exc


def _review_apply(*, user, card, rating, duration_ms, source, key) -> ReviewLog:
    state = CardState.objects.select_for_update().filter(user=user, card=card).first()
    now = clock.now()
    # Checked under the lock, so a concurrent post with this key has either committed (and is
    # found here) or will find this one. The same query reads what the schedule aims at.
    context = _review_context(user=user, key=key, today=clock.local_date(user=user, moment=now))
    if context.existing_log is not None:
        return ReviewLog.objects.get(pk=context.existing_log)

    if state is None:
        before = None
        fsrs_card = scheduling.fsrs_card_new(card_id=card.pk, now=now)
        state = CardState(user=user, card=card, created_at=now)
    else:
        before = state.fsrs
        fsrs_card = scheduling.fsrs_card_load(state.fsrs)
    aim = context.aim(user=user, now=now)
    after = scheduling.review(fsrs_card, rating, now=now, aim=aim, duration_ms=duration_ms)

    state.fsrs = after.to_dict()
    state.state = int(after.state)
    state.stability = after.stability
    state.difficulty = after.difficulty
    state.due = after.due
    state.last_review = after.last_review
    state.reps += 1
    state.lapses = scheduling.lapses_after(lapses=state.lapses, rating=rating)
    state.save()

    log = ReviewLog.objects.create(
        user=user,
        card=card,
        rating=rating,
        duration_ms=duration_ms,
        source=source,
        state_before=before,
        state_after=state.fsrs,
        reviewed_at=now,
        idempotency_key=key,
    )
    day = clock.local_date(user=user, moment=now)
    again = 1 if rating == Rating.Again else 0
    updated = ReviewDay.objects.filter(user=user, day=day).update(
        reviews=F("reviews") + 1, again=F("again") + again
    )
    if not updated:
        ReviewDay.objects.create(user=user, day=day, reviews=1, again=again)
    _fit_when_due(user=user, count=context.reviews_before + 1)
    return log


@dataclass(frozen=True)
class _ReviewContext:
    """Everything a review needs beyond the card's state, read in one query: a log already
    recorded under this key, the learner's plan (date, target), their adopted fit, the
    population fit, their cohort's date, and how many reviews they had (the sum of their
    per-day counts, which every review updates: no count over the log)."""

    existing_log: int | None
    plan_date: date | None
    plan_target: float | None
    own: list | None
    population: list | None
    cohort_date: date | None
    reviews_before: int

    def aim(self, *, user, now) -> scheduling.Aim:
        """As selectors.study_aim, from the values read here."""
        from apps.study import memory, planning

        parameters = self.own or self.population or memory.DEFAULT_PARAMETERS
        interview = self.plan_date or self.cohort_date
        moment = (
            clock.local_moment(user=user, day=interview, at=planning.INTERVIEW_TIME)
            if interview
            else None
        )
        if moment is not None and moment <= now:
            moment = None  # after the date: the ordinary long-term schedule
        target = self.plan_target if self.plan_target is not None else planning.TARGET_DEFAULT
        return scheduling.Aim(
            parameters=tuple(parameters), interview=moment, target=planning.clamp_target(target)
        )


def _review_context(*, user, key: str, today: date) -> _ReviewContext:
    from django.contrib.auth import get_user_model
    from django.db.models import JSONField, OuterRef, Subquery, Sum

    from apps.study.models import MemoryFit

    def first(queryset, field, output=None):
        return Subquery(queryset.values(field)[:1], output_field=output)

    fits = MemoryFit.objects.filter(adopted=True).order_by("-created_at", "-pk")
    plan = StudyPlan.objects.filter(user=OuterRef("pk"))
    annotations = {
        "existing_log": first(
            ReviewLog.objects.filter(user=OuterRef("pk"), idempotency_key=key), "pk"
        ),
        "plan_date": first(plan, "interview_date"),
        "plan_target": first(plan, "target_recall"),
        "own": first(fits.filter(user=OuterRef("pk")), "parameters", JSONField()),
        "population": first(fits.filter(user__isnull=True), "parameters", JSONField()),
        "reviews_before": Subquery(
            ReviewDay.objects.filter(user=OuterRef("pk"))
            .values("user")
            .annotate(total=Sum("reviews"))
            .values("total")[:1]
        ),
    }
    try:
        from apps.cohorts.models import Membership
    except ImportError:  # the cohorts app is optional
        Membership = None  # noqa: N806
    if Membership is not None:
        annotations["cohort_date"] = first(
            Membership.objects.filter(user=OuterRef("pk"), cohort__interview_date__gte=today)
            .order_by("cohort__interview_date", "cohort_id"),
            "cohort__interview_date",
        )  # fmt: skip
    row = (
        get_user_model().objects.filter(pk=user.pk).annotate(**annotations)
        .values(*annotations).first()
    ) or {}  # fmt: skip
    return _ReviewContext(
        existing_log=row.get("existing_log"),
        plan_date=row.get("plan_date"),
        plan_target=row.get("plan_target"),
        own=row.get("own"),
        population=row.get("population"),
        cohort_date=row.get("cohort_date"),
        reviews_before=row.get("reviews_before") or 0,
    )


def _fit_when_due(*, user, count: int) -> None:
    """Every few hundred reviews (`count`: the learner's reviews with this one), queue a refit
    of the learner's memory model (after commit, in a worker: never in the request)."""
    from apps.study import fits
    from apps.study.tasks import memory_fit_enqueue_on_commit

    if fits.review_count_reached(count=count):
        memory_fit_enqueue_on_commit(user_id=user.pk)


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
    from apps.study import fits

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
    from apps.study import planning

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


def mock_create(
    *,
    user,
    tracks: Sequence[Track],
    question_count: int,
    seconds_per_question: int,
    rng: random.Random | None = None,
) -> MockInterview:
    """A mock interview over `tracks`: `question_count` distinct live cards in random order.
    The first question's clock starts now."""
    cards = list(
        Card.objects.live()
        .filter(lesson__is_retired=False, lesson__track__in=tracks)
        .values_list("pk", "key_points")
    )
    if not cards:
        raise ValueError("the chosen tracks have no cards")
    picked = (rng or random.SystemRandom()).sample(cards, min(question_count, len(cards)))
    now = clock.now()
    with transaction.atomic():
        mock = MockInterview.objects.create(
            user=user, seconds_per_question=seconds_per_question, created_at=now
        )
        mock.tracks.set(tracks)
        MockQuestion.objects.bulk_create(
            MockQuestion(
                mock=mock,
                position=position,
                card_id=card_id,
                key_point_count=len(key_points or []),
                started_at=now if position == 1 else None,
            )
            for position, (card_id, key_points) in enumerate(picked, start=1)
        )
    return mock


def mock_question_reveal(*, question: MockQuestion, notes: str = "") -> MockQuestion:
    """The learner has answered (or the time ran out): keep their notes, show the model answer.
    Revealing twice keeps the first reveal."""
    with transaction.atomic():
        question = MockQuestion.objects.select_for_update().get(pk=question.pk)
        if question.revealed_at is None:
            question.notes = notes[:10_000]
            question.revealed_at = clock.now()
            question.save(update_fields=["notes", "revealed_at"])
    return question


def mock_question_score(*, question: MockQuestion, covered: Iterable[int]) -> MockQuestion:
    """Score a question from the key points the learner ticked, feed the rating to the schedule
    (as a "mock" review) and start the next question's clock. Scoring twice changes nothing."""
    with transaction.atomic():
        question = (
            MockQuestion.objects.select_for_update()
            .select_related("mock__user", "card")
            .get(pk=question.pk)
        )
        if question.scored_at is not None:
            return question
        now = clock.now()
        if question.revealed_at is None:
            question.revealed_at = now
        ticked = sorted({int(i) for i in covered if 0 <= int(i) < question.key_point_count})
        rating = scheduling.rating_for_coverage(covered=len(ticked), total=question.key_point_count)
        log = review_record(
            user=question.mock.user,
            card=question.card,
            rating=rating,
            duration_ms=int((now - question.revealed_at).total_seconds() * 1000),
            source=ReviewLog.Source.MOCK,
            idempotency_key=f"mock-question-{question.pk}",
        )
        question.covered = ticked
        question.rating = rating
        question.scored_at = now
        question.review_log = log
        question.save(update_fields=["covered", "rating", "scored_at", "review_log", "revealed_at"])
        following = (
            MockQuestion.objects.filter(mock=question.mock_id, scored_at__isnull=True)
            .order_by("position")
            .first()
        )
        if following is None:
            MockInterview.objects.filter(pk=question.mock_id).update(finished_at=now)
        elif following.started_at is None:
            following.started_at = now
            following.save(update_fields=["started_at"])
    return question
