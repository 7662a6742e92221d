"""The rating controls under a card (on a lesson page and in the review session): what each
button would do to the card, and the card a rating is for."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from django.shortcuts import get_object_or_404

from apps.content.models import Card, Lesson
from apps.core import clock
from apps.study import scheduling
from apps.study.models import CardState
from apps.study.selectors.plan import study_aim
from apps.study.selectors.progress import lesson_progress


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


def card_for_review(*, slug: str) -> Card:
    """A live card by slug, with its lesson and track (404 otherwise)."""
    return get_object_or_404(Card.objects.live().select_related("lesson__track"), slug=slug)
