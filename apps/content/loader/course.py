"""The whole course: every track, lesson and exercise under content/, then the checks that span
files (unique ids, exercises' cards, lesson code marked for an exercise)."""

from __future__ import annotations

from pathlib import Path

from apps.content.codeblocks import marker_problems
from apps.content.loader.exercises import exercise_read
from apps.content.loader.outline import lesson_read, track_read
from apps.content.loader.records import ContentError, ContentProblem, Course
from apps.content.rules import EXERCISES_DIR


def _check_unique(
    entries: list[tuple[str, str]], kind: str, problems: list[ContentProblem]
) -> None:
    """`entries` are (id, file) pairs; report every id seen before in the same kind."""
    seen: dict[str, str] = {}
    for slug, path in entries:
        if slug in seen:
            message = f"duplicate id {slug!r} (also in {seen[slug]})"
            problems.append(ContentProblem(path, f"{kind}.id", message))
        else:
            seen[slug] = path


def course_read(root: Path) -> Course:
    """Read and validate everything under `root`; raise ContentError listing every problem."""
    problems: list[ContentProblem] = []
    course = Course()
    if not root.is_dir():
        raise ContentError([ContentProblem(str(root), "folder", "does not exist")])
    for track_dir in sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")):
        if track_dir.name == EXERCISES_DIR:
            for folder in sorted(p for p in track_dir.iterdir() if p.is_dir()):
                exercise = exercise_read(folder, root, problems)
                if exercise:
                    course.exercises.append(exercise)
            continue
        track_file = track_dir / "track.md"
        if not track_file.is_file():
            rel = str(track_dir.relative_to(root.parent))
            problems.append(ContentProblem(rel, "track.md", "missing: a track folder needs one"))
            continue
        track = track_read(track_file, root, problems)
        if not track:
            continue
        course.tracks.append(track)
        for lesson_file in sorted(track_dir.glob("*.md")):
            if lesson_file.name == "track.md":
                continue
            lesson = lesson_read(lesson_file, root, track.slug, problems)
            if lesson:
                course.lessons.append(lesson)

    _check_unique([(t.slug, t.source_path) for t in course.tracks], "track", problems)
    _check_unique([(le.slug, le.source_path) for le in course.lessons], "lesson", problems)
    card_entries = [(c.slug, le.source_path) for le in course.lessons for c in le.cards]
    _check_unique(card_entries, "card", problems)
    _check_unique([(e.slug, e.source_path) for e in course.exercises], "exercise", problems)
    card_slugs = {card.slug for card in course.cards}
    for exercise in course.exercises:
        for slug in exercise.card_slugs:
            if slug not in card_slugs:
                problems.append(
                    ContentProblem(
                        f"{exercise.source_path}/exercise.md",
                        "exercise.cards",
                        f"unknown card id {slug!r}",
                    )
                )
    languages = {exercise.slug: exercise.language for exercise in course.exercises}
    for lesson in course.lessons:  # lesson code marked `exercise=<id>` (apps/content/codeblocks.py)
        for name, line, message in marker_problems(lesson, languages):
            problems.append(ContentProblem(lesson.source_path, name, message, line))
    if problems:
        raise ContentError(problems)
    return course
