"""What a learner downloads: their reviews, card states and mock interviews, oldest first."""

from __future__ import annotations

from collections.abc import Iterator

from django.db.models import Prefetch, QuerySet

from apps.study.models import CardState, MockInterview, MockQuestion, ReviewLog


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
