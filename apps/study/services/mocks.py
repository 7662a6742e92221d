"""Mock interviews: drawing the questions, revealing the model answer, and scoring a question
from the key points covered (its rating feeds the schedule as a "mock" review)."""

from __future__ import annotations

import random
from collections.abc import Iterable, Sequence

from django.db import transaction

from apps.content.models import Card, Track
from apps.core import clock
from apps.study import scheduling
from apps.study.models import MockInterview, MockQuestion, ReviewLog
from apps.study.services.reviews import review_record


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
        Card.objects.live().filter(lesson__track__in=tracks).values_list("pk", "key_points")
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
