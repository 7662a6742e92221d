"""The database back to content/ (`manage.py export_content`), so git stays the source of truth.

Every item keeps the text it was imported from (`source_text`) and the hash of the data that
text held (`source_hash`, the loader's own). An item whose data still hashes the same was not
edited: its text is written back byte for byte. An item edited in the admin (or created there)
is written in a canonical form that the loader reads back to exactly the edited data. So
importing then exporting the shipped course changes no file, and an admin edit survives export
and re-import unchanged.

Paths follow the layout in docs/content-format.md: an item keeps its file; new tracks, lessons
and exercises get `<track>/track.md`, `<track>/NN-<lesson>.md` and `exercises/<id>/`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

import yaml

from apps.content.loader import CardData, ExerciseData, LessonData, TrackData
from apps.content.models import Card, Exercise, ExerciseCard, Lesson, Track
from apps.content.rules import CARD_DELIMITER, CODE_STEMS, EXERCISES_DIR
from apps.sandbox.languages import LANGUAGES


@dataclass
class ExportSummary:
    changed: list[str] = field(default_factory=list)  # written, or that would be with check
    unchanged: int = 0
    extra: list[str] = field(default_factory=list)  # course files the database does not hold
    removed: list[str] = field(default_factory=list)
    unpublished: list[str] = field(default_factory=list)  # exercises held back by their check


# YAML in the house style: block lists, literal blocks for multi-line text, no wrapping.


class _Dumper(yaml.SafeDumper):
    def increase_indent(self, flow=False, indentless=False):
        return super().increase_indent(flow, False)  # list items indented under their key


def _represent_str(dumper: yaml.SafeDumper, value: str):
    if "\n" in value:
        # A literal block ("|"), as authors write them; the loader strips the final newline.
        return dumper.represent_scalar("tag:yaml.org,2002:str", f"{value}\n", style="|")
    return dumper.represent_scalar("tag:yaml.org,2002:str", value)


_Dumper.add_representer(str, _represent_str)


def _dump(value, *, flow: bool) -> str:
    return yaml.dump(
        value,
        Dumper=_Dumper,
        default_flow_style=flow,
        sort_keys=False,
        allow_unicode=True,
        width=1_000_000,
    )


def _yaml(key: str, value, *, flow: bool = False) -> str:
    if flow:  # `cards: [a, b]`, the way exercise files list their cards (keys are plain words)
        return f"{key}: {_dump(value, flow=True)}"
    return _dump({key: value}, flow=False)


def _front_matter(items: list[tuple[str, object, bool]]) -> str:
    """Fields in order, skipping empty optional ones: (key, value, flow)."""
    return "".join(_yaml(key, value, flow=flow) for key, value, flow in items)


# Canonical forms (the loader reads each back to the data it was made from).


def track_text(track: Track) -> str:
    head = [("id", track.slug, False), ("title", track.title, False), ("order", track.order, False)]
    if track.summary:
        head.append(("summary", track.summary, False))
    body = f"{track.intro_md}\n" if track.intro_md else ""
    return f"---\n{_front_matter(head)}---\n{body}"


def lesson_head_text(lesson: Lesson) -> str:
    head = [
        ("id", lesson.slug, False),
        ("title", lesson.title, False),
        ("order", lesson.order, False),
    ]
    if lesson.summary:
        head.append(("summary", lesson.summary, False))
    intro = f"{lesson.intro_md}\n\n" if lesson.intro_md else ""
    return f"---\n{_front_matter(head)}---\n{intro}"


def card_text(card: Card) -> str:
    fields = [
        ("id", card.slug, False),
        ("kind", card.kind, False),
        ("question", card.question_md, False),
        ("key_points", list(card.key_points or []), False),
    ]
    if card.follow_ups:
        fields.append(("follow_ups", list(card.follow_ups), False))
    if card.pitfall_md:
        fields.append(("pitfall", card.pitfall_md, False))
    return f"{CARD_DELIMITER}\n{_front_matter(fields)}{CARD_DELIMITER}\n{card.answer_md}\n"


def exercise_md_text(exercise: Exercise, card_slugs: list[str]) -> str:
    fields = [
        ("id", exercise.slug, False),
        ("title", exercise.title, False),
        ("language", exercise.language, False),
        ("cards", card_slugs, True),
        ("order", exercise.order, False),
    ]
    if exercise.limits:
        fields.append(("limits", dict(exercise.limits), False))
    if exercise.interview_angle_md:
        fields.append(("interview_angle", exercise.interview_angle_md, False))
    fields.append(("hints", list(exercise.hints or []), False))
    fields.append(("mistakes", _mistakes_data(exercise.mistakes), False))
    return f"---\n{_front_matter(fields)}---\n{exercise.prompt_md}\n"


# Was it edited since it was imported? The loader's hash of the row's data says.


def _track_data(track: Track) -> TrackData:
    return TrackData(
        slug=track.slug,
        title=track.title,
        order=track.order,
        summary=track.summary,
        intro_md=track.intro_md,
        source_path=track.source_path,
    )


def _lesson_data(lesson: Lesson) -> LessonData:
    return LessonData(
        slug=lesson.slug,
        title=lesson.title,
        order=lesson.order,
        summary=lesson.summary,
        intro_md=lesson.intro_md,
        track_slug=lesson.track.slug,
        source_path=lesson.source_path,
    )


def _card_data(card: Card, lesson: Lesson) -> CardData:
    return CardData(
        slug=card.slug,
        kind=card.kind,
        question_md=card.question_md,
        answer_md=card.answer_md,
        key_points=list(card.key_points or []),
        pitfall_md=card.pitfall_md,
        follow_ups=list(card.follow_ups or []),
        order=card.order,
        lesson_slug=lesson.slug,
    )


def _mistakes_data(mistakes) -> dict:
    return {
        name: {"title": entry.get("title", ""), "explanation": entry.get("explanation", "")}
        for name, entry in sorted((mistakes or {}).items())
    }


def _exercise_data(exercise: Exercise, card_slugs: list[str]) -> ExerciseData:
    return ExerciseData(
        slug=exercise.slug,
        title=exercise.title,
        language=exercise.language,
        card_slugs=card_slugs,
        order=exercise.order,
        limits=exercise.limits or {},
        prompt_md=exercise.prompt_md,
        interview_angle_md=exercise.interview_angle_md,
        starter_code=exercise.starter_code,
        example_tests=exercise.example_tests,
        hidden_tests=exercise.hidden_tests,
        solution_code=exercise.solution_code,
        wrong_solutions=dict(exercise.wrong_solutions or {}),
        alternative_solutions=dict(exercise.alternative_solutions or {}),
        hints=list(exercise.hints or []),
        mistakes=_mistakes_data(exercise.mistakes),
        source_path=exercise.source_path,
    )


def _unedited(row, data) -> bool:
    return bool(row.source_text) and data.source_hash == row.source_hash


def _exercise_md_unedited(exercise: Exercise, card_slugs: list[str]) -> bool:
    """For an exercise whose code was edited: does exercise.md still say what it said?"""
    text = exercise.source_text
    if not text.startswith("---\n"):
        return False
    head, separator, body = text[4:].partition("\n---\n")
    if not separator:
        return False
    try:
        data = yaml.safe_load(head) or {}
    except yaml.YAMLError:
        return False
    cards = data.get("cards")
    cards = [cards] if isinstance(cards, str) else list(cards or [])
    said = (
        data.get("id"),
        str(data.get("title", "")).strip(),
        data.get("language"),
        cards,
        data.get("order"),
        data.get("limits") or {},
        str(data.get("interview_angle") or "").strip(),
        [str(hint).strip() for hint in data.get("hints") or []],
        {
            str(name): {key: str(value).strip() for key, value in (entry or {}).items()}
            for name, entry in (data.get("mistakes") or {}).items()
        },
        body.strip(),
    )
    holds = (
        exercise.slug,
        exercise.title,
        exercise.language,
        card_slugs,
        exercise.order,
        exercise.limits or {},
        exercise.interview_angle_md,
        list(exercise.hints or []),
        {name: dict(entry) for name, entry in (exercise.mistakes or {}).items()},
        exercise.prompt_md,
    )
    return said == holds


# Paths


def _relative(source_path: str) -> PurePosixPath | None:
    """Rows store paths relative to the content folder's parent ("content/x/track.md")."""
    parts = PurePosixPath(source_path).parts
    return PurePosixPath(*parts[1:]) if len(parts) > 1 else None


def _lesson_path(lesson: Lesson) -> str:
    known = _relative(lesson.source_path)
    name = known.name if known else f"{lesson.order:02d}-{lesson.slug}.md"
    return f"{lesson.track.slug}/{name}"


def _exercise_folder(exercise: Exercise) -> str:
    known = _relative(exercise.source_path)
    return str(known) if known else f"{EXERCISES_DIR}/{exercise.slug}"


def _join_blocks(blocks: list[tuple[str, bool]]) -> str:
    """Concatenate (text, canonical) blocks. Imported blocks already carry their own spacing;
    a canonical block gets a blank line after it when another block follows."""
    out: list[str] = []
    for index, (text, canonical) in enumerate(blocks):
        last = index == len(blocks) - 1
        if not text.endswith("\n") and not last:
            text += "\n"
        if canonical and not last and not text.endswith("\n\n"):
            text += "\n"
        out.append(text)
    return "".join(out)


# The whole course


def course_files() -> tuple[dict[str, str], list[str]]:
    """({relative path: text} of every file of the course as the database holds it, slugs of
    exercises held back by a failing check)."""
    files: dict[str, str] = {}
    for track in Track.objects.live().order_by("order", "slug"):
        data = _track_data(track)
        files[f"{track.slug}/track.md"] = (
            track.source_text if _unedited(track, data) else track_text(track)
        )

    cards_by_lesson: dict[int, list[Card]] = {}
    for card in Card.objects.live().order_by("order", "slug"):
        cards_by_lesson.setdefault(card.lesson_id, []).append(card)
    lessons = (
        Lesson.objects.live().select_related("track").order_by("track__order", "order", "slug")
    )
    for lesson in lessons:
        head_unedited = _unedited(lesson, _lesson_data(lesson))
        blocks = [
            (lesson.source_text, False) if head_unedited else (lesson_head_text(lesson), True)
        ]
        for card in cards_by_lesson.get(lesson.pk, []):
            if _unedited(card, _card_data(card, lesson)):
                blocks.append((card.source_text, False))
            else:
                blocks.append((card_text(card), True))
        files[_lesson_path(lesson)] = _join_blocks(blocks)

    links: dict[int, list[str]] = {}
    for link in ExerciseCard.objects.select_related("card").order_by("exercise_id", "position"):
        links.setdefault(link.exercise_id, []).append(link.card.slug)
    unpublished = []
    # Not `.live()`: an exercise held back by a failing check is still the course's, in git.
    for exercise in Exercise.objects.filter(is_retired=False).order_by("order", "slug"):
        card_slugs = links.get(exercise.pk, [])
        folder = _exercise_folder(exercise)
        ext = LANGUAGES[exercise.language].extension
        if _unedited(exercise, _exercise_data(exercise, card_slugs)) or _exercise_md_unedited(
            exercise, card_slugs
        ):
            files[f"{folder}/exercise.md"] = exercise.source_text
        else:
            files[f"{folder}/exercise.md"] = exercise_md_text(exercise, card_slugs)
        sources = (
            exercise.starter_code,
            exercise.example_tests,
            exercise.hidden_tests,
            exercise.solution_code,
        )
        for stem, source in zip(CODE_STEMS, sources, strict=True):
            files[f"{folder}/{stem}.{ext}"] = source
        for name, source in sorted((exercise.wrong_solutions or {}).items()):
            files[f"{folder}/wrong/{name}"] = source
        for name, source in sorted((exercise.alternative_solutions or {}).items()):
            files[f"{folder}/alternatives/{name}"] = source
        if not exercise.is_published:
            unpublished.append(exercise.slug)
    return files, unpublished


def course_paths_on_disk(root: Path) -> set[str]:
    """The files under `root` the loader reads (other files are not the course's business)."""
    found: set[str] = set()
    if not root.is_dir():
        return found
    for folder in (p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")):
        if folder.name == EXERCISES_DIR:
            for exercise in (p for p in folder.iterdir() if p.is_dir()):
                candidates = [exercise / "exercise.md"]
                for ext in (language.extension for language in LANGUAGES.values()):
                    candidates += [exercise / f"{stem}.{ext}" for stem in CODE_STEMS]
                    candidates += sorted((exercise / "wrong").glob(f"*.{ext}"))
                    candidates += sorted((exercise / "alternatives").glob(f"*.{ext}"))
                found |= {str(p.relative_to(root)) for p in candidates if p.is_file()}
        else:
            found |= {str(p.relative_to(root)) for p in folder.glob("*.md") if p.is_file()}
    return found


def content_export(*, root: Path, check: bool = False, prune: bool = False) -> ExportSummary:
    """Write the course into `root`, touching only files whose bytes change. With `check`,
    write nothing and report what would change. With `prune`, delete course files the
    database no longer holds (retired items); otherwise they are only reported."""
    files, unpublished = course_files()
    summary = ExportSummary(unpublished=unpublished)
    for relative, text in sorted(files.items()):
        path = root / relative
        content = text.encode("utf-8")
        if path.is_file() and path.read_bytes() == content:
            summary.unchanged += 1
            continue
        summary.changed.append(relative)
        if not check:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(content)
    summary.extra = sorted(course_paths_on_disk(root) - set(files))
    if prune and not check:
        for relative in summary.extra:
            (root / relative).unlink()
            summary.removed.append(relative)
    return summary
