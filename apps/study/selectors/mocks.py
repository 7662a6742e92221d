"""Mock interviews: one of the learner's own (anyone else's is a 404), its questions, and the
latest ones with their key-point coverage."""

from __future__ import annotations

from collections import defaultdict

from django.shortcuts import get_object_or_404

from apps.core.percent import percent
from apps.study.models import MockInterview, MockQuestion


def mock_get(*, user, pk: int) -> MockInterview:
    """A mock interview of this learner (404 for anyone else's)."""
    return get_object_or_404(
        MockInterview.objects.filter(user=user).prefetch_related("tracks"), pk=pk
    )


def mock_questions(*, mock: MockInterview) -> list[MockQuestion]:
    return list(mock.questions.select_related("card__lesson__track").order_by("position"))


def mock_coverage_pct(*, questions: list[MockQuestion]) -> int | None:
    """The share of key points ticked over the scored questions (None before any is scored,
    or when none has key points)."""
    scored = [q for q in questions if q.scored_at]
    points = sum(q.key_point_count for q in scored)
    return percent(sum(len(q.covered) for q in scored), points) if points else None


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
        mock.question_count = len(per_mock[mock.pk])
        mock.scored_count = sum(1 for q in per_mock[mock.pk] if q.scored_at)
        mock.coverage_pct = mock_coverage_pct(questions=per_mock[mock.pk])
    return mocks
