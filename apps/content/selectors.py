"""Reads over the course tables."""

from django.db.models import Count, Q, QuerySet
from django.shortcuts import get_object_or_404

from apps.content.models import Card, Lesson, Track

LIVE_CARDS = Q(lessons__cards__is_retired=False, lessons__is_retired=False)


def track_list() -> QuerySet[Track]:
    return Track.objects.live().annotate(
        lesson_count=Count("lessons", filter=Q(lessons__is_retired=False), distinct=True),
        card_count=Count("lessons__cards", filter=LIVE_CARDS, distinct=True),
    )


def track_get(*, slug: str) -> Track:
    return get_object_or_404(Track.objects.live(), slug=slug)


def track_lessons(*, track: Track) -> QuerySet[Lesson]:
    return (
        track.lessons.live()
        .annotate(card_count=Count("cards", filter=Q(cards__is_retired=False)))
        .order_by("order", "slug")
    )


def lesson_get(*, track_slug: str, slug: str) -> Lesson:
    return get_object_or_404(
        Lesson.objects.live().filter(track__is_retired=False).select_related("track"),
        track__slug=track_slug,
        slug=slug,
    )


def lesson_cards(*, lesson: Lesson) -> QuerySet[Card]:
    """Lazy: the page's cached card list evaluates it only on a cache miss."""
    return lesson.cards.live().order_by("order", "slug")


def lesson_neighbours(*, lesson: Lesson) -> tuple[Lesson | None, Lesson | None]:
    siblings = list(lesson.track.lessons.live().order_by("order", "slug"))
    index = next(i for i, sibling in enumerate(siblings) if sibling.pk == lesson.pk)
    previous = siblings[index - 1] if index > 0 else None
    following = siblings[index + 1] if index + 1 < len(siblings) else None
    return previous, following


def card_search(*, query: str, limit: int = 50) -> QuerySet[Card]:
    query = query.strip()
    if len(query) < 2:
        return Card.objects.none()
    return Card.objects.search(query).select_related("lesson__track")[:limit]
