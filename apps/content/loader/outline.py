"""Reading the outline: a track's track.md, and a lesson file with its cards."""

from __future__ import annotations

from pathlib import Path

from apps.content.loader.files import FileReader
from apps.content.loader.records import CardData, ContentProblem, LessonData, TrackData
from apps.content.rules import (
    CARD_DELIMITER,
    CARD_FIELDS,
    CARD_KINDS,
    FOLLOW_UPS,
    KEY_POINTS,
    LESSON_FIELDS,
    TRACK_FIELDS,
    key_point_problem,
)


def track_read(path: Path, root: Path, problems: list[ContentProblem]) -> TrackData | None:
    reader = FileReader(path, root, problems)
    read = reader.read_front_matter()
    if read is None:
        return None
    text, data, body, _ = read
    before = len(problems)
    reader.check_fields(data, TRACK_FIELDS, "track", 1)
    slug = reader.slug(data, "track", 1)
    if slug and slug != path.parent.name:
        reader.problem("track.id", f"must equal its folder name {path.parent.name!r}", 1)
    track = TrackData(
        slug=slug or "",
        title=reader.text(data, "title", "track", 1, required=True),
        order=reader.integer(data, "order", "track", 1),
        summary=reader.text(data, "summary", "track", 1, required=False),
        intro_md=body.strip(),
        source_path=reader.rel,
        source_text=text,
    )
    return track if len(problems) == before else None


def lesson_read(
    path: Path, root: Path, track_slug: str, problems: list[ContentProblem]
) -> LessonData | None:
    reader = FileReader(path, root, problems)
    read = reader.read_front_matter()
    if read is None:
        return None
    text, data, body, body_line = read
    before = len(problems)
    reader.check_fields(data, LESSON_FIELDS, "lesson", 1)
    lesson = LessonData(
        slug=reader.slug(data, "lesson", 1) or "",
        title=reader.text(data, "title", "lesson", 1, required=True),
        order=reader.integer(data, "order", "lesson", 1),
        summary=reader.text(data, "summary", "lesson", 1, required=False),
        intro_md="",
        track_slug=track_slug,
        source_path=reader.rel,
    )

    lines = body.splitlines(keepends=True)
    delimiters = [
        index for index, line in enumerate(lines) if line.rstrip("\r\n") == CARD_DELIMITER
    ]
    end = delimiters[0] if delimiters else len(lines)
    lesson.intro_md = "".join(lines[:end]).strip()
    lesson.source_text = text[: len(text) - len(body)] + "".join(lines[:end])
    if not delimiters:
        reader.problem("cards", "a lesson needs at least one card (a '+++' block)", body_line)
    if len(delimiters) % 2:
        reader.problem("cards", "a card's '+++' block is never closed", body_line + delimiters[-1])
        delimiters = delimiters[:-1]
    for position, pair in enumerate(range(0, len(delimiters), 2)):
        start, stop = delimiters[pair], delimiters[pair + 1]
        next_start = delimiters[pair + 2] if pair + 2 < len(delimiters) else len(lines)
        line = body_line + start
        card_data = reader.load_yaml("".join(lines[start + 1 : stop]), "card", line + 1)
        if card_data is None:
            continue
        card = _card_read(reader, card_data, "".join(lines[stop + 1 : next_start]), line)
        if card:
            card.order = position + 1
            card.lesson_slug = lesson.slug
            card.source_text = "".join(lines[start:next_start])
            lesson.cards.append(card)
    return lesson if len(problems) == before else None


def _card_read(reader: FileReader, data: dict, answer: str, line: int) -> CardData | None:
    before = len(reader.problems)
    slug = reader.slug(data, "card", line)
    what = f"card {slug}" if slug else "card"
    reader.check_fields(data, CARD_FIELDS, what, line)
    kind = data.get("kind")
    if "kind" in data and kind not in CARD_KINDS:
        message = f"must be one of {', '.join(CARD_KINDS)}, got {kind!r}"
        reader.problem(f"{what}.kind", message, line)
    answer = answer.strip()
    if not answer:
        reader.problem(f"{what}.answer", "the answer (Markdown after the block) is empty", line)
    card = CardData(
        slug=slug or "",
        kind=kind if kind in CARD_KINDS else "",
        question_md=reader.text(data, "question", what, line, required=True),
        answer_md=answer,
        key_points=_key_points(reader, data, what, line),
        pitfall_md=reader.text(data, "pitfall", what, line, required=False),
        follow_ups=reader.string_list(
            data, "follow_ups", what, line, low=FOLLOW_UPS[0], high=FOLLOW_UPS[1]
        ),
        order=0,
        lesson_slug="",
    )
    return card if len(reader.problems) == before else None


def _key_points(reader: FileReader, data: dict, what: str, line: int) -> list[str]:
    low, high = KEY_POINTS
    points = reader.string_list(data, "key_points", what, line, low=low, high=high)
    for number, point in enumerate(points, start=1):
        problem = key_point_problem(point)
        if problem:
            reader.problem(f"{what}.key_points", f"item {number} ({point!r}) {problem}", line)
    return points
