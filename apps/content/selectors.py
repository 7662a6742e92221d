"""Reads over the course tables."""

from django.db import connection
from django.db.models import Count, QuerySet
from django.shortcuts import get_object_or_404

from apps.content.models import (
    Card,
    ContentGeneration,
    Lesson,
    Track,
    live_card_q,
    live_lesson_q,
)


def content_generation() -> int:
    # Read on every cached page view: plain SQL skips the ORM's query building (a third of the
    # cost of a cached page).
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT value FROM {ContentGeneration._meta.db_table} WHERE id = 1")  # noqa: S608
        row = cursor.fetchone()
    return row[0] if row else 0


def track_list() -> QuerySet[Track]:
    return Track.objects.live().annotate(
        lesson_count=Count("lessons", filter=live_lesson_q("lessons__"), distinct=True),
        card_count=Count("lessons__cards", filter=live_card_q("lessons__cards__"), distinct=True),
    )


def track_get(*, slug: str) -> Track:
    return get_object_or_404(Track.objects.live(), slug=slug)


def track_lessons(*, track: Track) -> QuerySet[Lesson]:
    return (
        track.lessons.live()
        .annotate(card_count=Count("cards", filter=live_card_q("cards__")))
        .order_by("order", "slug")
    )


def lesson_get(*, track_slug: str, slug: str) -> Lesson:
    return get_object_or_404(
        Lesson.objects.live().select_related("track"),
        track__slug=track_slug,
        slug=slug,
    )


def lesson_cards(*, lesson: Lesson) -> QuerySet[Card]:
    """Lazy: the page's cached card list evaluates it only on a cache miss."""
    return lesson.cards.live().order_by("order", "slug")


def lesson_neighbours(*, lesson: Lesson) -> tuple[Lesson | None, Lesson | None]:
    siblings = list(
        lesson.track.lessons.live().only("slug", "title", "track_id").order_by("order", "slug")
    )
    for sibling in siblings:
        sibling.track = lesson.track
    index = next(i for i, sibling in enumerate(siblings) if sibling.pk == lesson.pk)
    previous = siblings[index - 1] if index > 0 else None
    following = siblings[index + 1] if index + 1 < len(siblings) else None
    return previous, following


def card_search(*, query: str, limit: int = 50) -> QuerySet[Card]:
    query = query.strip()
    if len(query) < 2:
        return Card.objects.none()
    return Card.objects.search(query).select_related("lesson__track")[:limit]
