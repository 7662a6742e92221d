"""Writes to the course tables: importing content/ and rendering edited rows."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.db import transaction
from django.db.models import F

from apps.content.fingerprints import fingerprints_pruned
from apps.content.loader import Course, course_read
from apps.content.models import (
    Card,
    ContentGeneration,
    Exercise,
    ExerciseCard,
    ImportedItem,
    Lesson,
    Track,
)
from apps.content.rendering import render_markdown


@dataclass
class ImportSummary:
    created: int = 0
    updated: int = 0
    retired: int = 0
    unchanged: int = 0

    def __str__(self) -> str:
        return (
            f"created {self.created}, updated {self.updated}, "
            f"retired {self.retired}, unchanged {self.unchanged}"
        )


def track_render(*, track: Track) -> None:
    track.intro_html = render_markdown(track.intro_md)


def lesson_render(*, lesson: Lesson) -> None:
    lesson.intro_html = render_markdown(lesson.intro_md)


def content_generation_bump() -> None:
    """Call after any write to the course: cached visitor pages are keyed by the generation."""
    if not ContentGeneration.objects.filter(pk=1).update(value=F("value") + 1):
        ContentGeneration.objects.create(pk=1, value=1)


def card_render(*, card: Card) -> None:
    card.question_html = render_markdown(card.question_md)
    card.answer_html = render_markdown(card.answer_md)
    card.pitfall_html = render_markdown(card.pitfall_md)
    card.key_points_text = "\n".join(card.key_points or [])


def exercise_render(*, exercise: Exercise) -> None:
    exercise.prompt_html = render_markdown(exercise.prompt_md)
    exercise.interview_angle_html = render_markdown(exercise.interview_angle_md)


class _Sync:
    """Upserts one kind of row by slug, counting what changed, retiring what disappeared."""

    def __init__(self, model: type[ImportedItem], summary: ImportSummary):
        self.model = model
        self.summary = summary
        self.existing = {row.slug: row for row in model.objects.all()}
        self.seen: set[str] = set()

    def upsert(
        self, slug: str, source_hash: str, fields: dict, render: Callable[[Any], None]
    ) -> tuple[Any, bool]:
        """Returns (row, changed)."""
        self.seen.add(slug)
        row = self.existing.get(slug)
        if row is not None and row.source_hash == source_hash and not row.is_retired:
            # Same data: keep the row (and any admin edit not exported yet) but remember the
            # file's current text, which export_content re-emits for unedited items.
            if row.source_text != fields["source_text"]:
                row.source_text = fields["source_text"]
                self.model.objects.filter(pk=row.pk).update(source_text=row.source_text)
            self.summary.unchanged += 1
            return row, False
        if row is None:
            row = self.model(slug=slug)
            self.summary.created += 1
        else:
            self.summary.updated += 1
        for name, value in fields.items():
            setattr(row, name, value)
        row.source_hash = source_hash
        row.is_retired = False
        render(row)
        row.save()
        return row, True

    def retire_unseen(self) -> None:
        gone = [
            row.pk
            for slug, row in self.existing.items()
            if slug not in self.seen and not row.is_retired
        ]
        if gone:
            self.model.objects.filter(pk__in=gone).update(is_retired=True)
            self.summary.retired += len(gone)


def _apply(course: Course) -> ImportSummary:
    summary = ImportSummary()

    tracks = _Sync(Track, summary)
    track_rows = {}
    for data in course.tracks:
        fields = {
            "title": data.title,
            "order": data.order,
            "summary": data.summary,
            "intro_md": data.intro_md,
            "source_path": data.source_path,
            "source_text": data.source_text,
        }
        track_rows[data.slug], _ = tracks.upsert(
            data.slug, data.source_hash, fields, lambda row: track_render(track=row)
        )

    lessons = _Sync(Lesson, summary)
    cards = _Sync(Card, summary)
    for lesson_data in course.lessons:
        fields = {
            "track": track_rows[lesson_data.track_slug],
            "title": lesson_data.title,
            "order": lesson_data.order,
            "summary": lesson_data.summary,
            "intro_md": lesson_data.intro_md,
            "source_path": lesson_data.source_path,
            "source_text": lesson_data.source_text,
        }
        lesson, _ = lessons.upsert(
            lesson_data.slug, lesson_data.source_hash, fields, lambda row: lesson_render(lesson=row)
        )
        for card in lesson_data.cards:
            fields = {
                "lesson": lesson,
                "kind": card.kind,
                "question_md": card.question_md,
                "answer_md": card.answer_md,
                "key_points": card.key_points,
                "pitfall_md": card.pitfall_md,
                "follow_ups": card.follow_ups,
                "order": card.order,
                "source_text": card.source_text,
            }
            cards.upsert(card.slug, card.source_hash, fields, lambda row: card_render(card=row))

    exercises = _Sync(Exercise, summary)
    card_ids = dict(Card.objects.values_list("slug", "pk"))
    for exercise_data in course.exercises:
        fields = {
            "title": exercise_data.title,
            "language": exercise_data.language,
            "order": exercise_data.order,
            "limits": exercise_data.limits,
            "prompt_md": exercise_data.prompt_md,
            "interview_angle_md": exercise_data.interview_angle_md,
            "starter_code": exercise_data.starter_code,
            "example_tests": exercise_data.example_tests,
            "hidden_tests": exercise_data.hidden_tests,
            "solution_code": exercise_data.solution_code,
            "wrong_solutions": exercise_data.wrong_solutions,
            "alternative_solutions": exercise_data.alternative_solutions,
            "hints": exercise_data.hints,
            "mistakes": exercise_data.mistakes,
            "source_path": exercise_data.source_path,
            "source_text": exercise_data.source_text,
            # The files are the truth (CI proves them with check_exercises): an import that
            # changes an exercise publishes it, whatever an earlier admin check said.
            "is_published": True,
            "check_status": Exercise.Check.NONE,
        }
        exercise, changed = exercises.upsert(
            exercise_data.slug,
            exercise_data.source_hash,
            fields,
            lambda row: exercise_render(exercise=row),
        )
        if changed:
            pruned = fingerprints_pruned(exercise=exercise)
            if pruned != exercise.fingerprints:
                Exercise.objects.filter(pk=exercise.pk).update(fingerprints=pruned)
            ExerciseCard.objects.filter(exercise=exercise).delete()
            ExerciseCard.objects.bulk_create(
                ExerciseCard(exercise=exercise, card_id=card_ids[slug], position=position)
                for position, slug in enumerate(exercise_data.card_slugs)
            )

    for sync in (exercises, cards, lessons, tracks):
        sync.retire_unseen()
    if summary.created or summary.updated or summary.retired:
        content_generation_bump()
    return summary


def content_import(*, root: Path, dry_run: bool = False) -> ImportSummary:
    """Import content/ all-or-nothing. Raises loader.ContentError (nothing written) on bad input.

    With `dry_run` the changes are computed inside a transaction that is rolled back, so the
    summary says what a real run would do.
    """
    course = course_read(root)
    with transaction.atomic():
        summary = _apply(course)
        if dry_run:
            transaction.set_rollback(True)
    return summary
