"""Seen, learned and mastered cards (the definitions are in apps/study/models.py), per track,
per lesson and overall, each in one query."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Count, FilteredRelation, Q

from apps.content.models import Card, Lesson, Track
from apps.core.percent import percent
from apps.study.models import CardState, is_learned, is_mastered, learned_q, mastered_q


@dataclass
class Progress:
    """Seen, learned and mastered cards out of `total` (definitions on the dashboard)."""

    total: int
    seen: int = 0
    learned: int = 0
    mastered: int = 0

    @property
    def seen_pct(self) -> float:
        return percent(self.seen, self.total, places=1)

    @property
    def learned_pct(self) -> float:
        return percent(self.learned, self.total, places=1)

    @property
    def mastered_pct(self) -> float:
        return percent(self.mastered, self.total, places=1)

    def add(self, other: Progress) -> None:
        self.total += other.total
        self.seen += other.seen
        self.learned += other.learned
        self.mastered += other.mastered

    def add_card(self, state: CardState | None) -> None:
        """Count one more card of the total's, with its state (None: never seen)."""
        if state is not None:
            self.seen += 1
            self.learned += is_learned(state=state.state)
            self.mastered += is_mastered(state=state.state, stability=state.stability)


def _progress_rows(*, user, group_by: str, **filters) -> dict[int, dict]:
    rows = (
        CardState.objects.live()
        .filter(user=user, **filters)
        .values(group_by)
        .annotate(
            seen=Count("pk"),
            learned=Count("pk", filter=learned_q()),
            mastered=Count("pk", filter=mastered_q()),
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


def lesson_progress(*, cards: list[Card], states: Iterable[CardState]) -> Progress:
    """Progress over `cards` from states already read (no query)."""
    ids = {card.pk for card in cards}
    progress = Progress(total=len(ids))
    for state in states:
        if state.card_id in ids:
            progress.add_card(state)
    return progress


def lesson_progress_for_card(*, user, card: Card) -> Progress:
    """The progress of the lesson holding `card`, after a rating on the lesson page (one
    query)."""
    figures = (
        Card.objects.live()
        .filter(lesson_id=card.lesson_id)
        .annotate(mine=FilteredRelation("study_states", condition=Q(study_states__user=user)))
        .aggregate(
            total=Count("pk"),
            seen=Count("mine"),
            learned=Count("mine", filter=learned_q("mine__")),
            mastered=Count("mine", filter=mastered_q("mine__")),
        )
    )
    return Progress(**figures)
