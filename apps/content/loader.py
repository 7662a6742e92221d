"""Reads content/ into plain, validated records (no database access).

Every problem is reported with the file and the field, and all problems are collected before
anything is written, so one import run either applies everything or nothing.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path

import yaml

from apps.content.codeblocks import marker_problems
from apps.sandbox.limits import Limits

SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
CARD_KINDS = ("scenario", "qa", "trick")
LANGUAGES = {"javascript": "js", "python": "py"}
EXERCISES_DIR = "exercises"

# A card's rubric: each key point is one thing a candidate either said or did not, so a mock
# interviewer can tick it. The admin forms import these, so both enforce the same rules.
KEY_POINTS = (3, 6)  # how many key points a card has
KEY_POINT_MAX_CHARS = 80
FOLLOW_UPS = (0, 10)


def key_point_problem(point: str) -> str | None:
    """Why `point` is not a valid key point, or None. One claim per point is a judgement; these
    two rules are not: a ';' joins two claims, and a long point is a paragraph, not a tick box."""
    if ";" in point:
        return "joins several claims with ';': split it into separate key points"
    if len(point) > KEY_POINT_MAX_CHARS:
        return f"is {len(point)} characters long; keep each to {KEY_POINT_MAX_CHARS} at most"
    return None


TRACK_FIELDS = {"id": True, "title": True, "order": True, "summary": False}
LESSON_FIELDS = {"id": True, "title": True, "order": True, "summary": False}
CARD_FIELDS = {
    "id": True,
    "kind": True,
    "question": True,
    "key_points": True,
    "pitfall": False,
    "follow_ups": False,
}
EXERCISE_FIELDS = {
    "id": True,
    "title": True,
    "language": True,
    "cards": True,
    "order": True,
    "limits": False,
    "interview_angle": False,
    "hints": True,
    "mistakes": True,
}
# Coaching (docs/coaching.md). Hints go from the concept to the approach, never the code; a
# mistake's title and explanation say why a wrong solution is wrong, never show code either.
HINTS = (2, 4)
HINT_MAX_CHARS = 400
MISTAKE_FIELDS = {"title": True, "explanation": True}
MISTAKE_TITLE_MAX_CHARS = 120
MISTAKE_EXPLANATION_MAX_CHARS = 600


def coaching_text_problem(text: str, max_chars: int) -> str | None:
    """Why a hint or a mistake's text is not acceptable, or None: a fenced or indented code
    block gives the code away, and a long text is a lesson, not a nudge."""
    if "```" in text or "~~~" in text or any(line.startswith("    ") for line in text.split("\n")):
        return "must not contain a code block (say what to think about, not the code)"
    if len(text) > max_chars:
        return f"is {len(text)} characters long; keep it to {max_chars} at most"
    return None


@dataclass(frozen=True)
class ContentProblem:
    path: str
    field: str
    message: str
    line: int | None = None

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        return f"{where}: {self.field}: {self.message}"


class ContentError(Exception):
    def __init__(self, problems: list[ContentProblem]):
        self.problems = problems
        super().__init__("\n".join(str(problem) for problem in problems))


class _Hashed:
    """`source_hash`: what the importer compares to tell an unchanged item from an edited one."""

    hash_excludes: tuple[str, ...] = ()

    @property
    def source_hash(self) -> str:
        data = asdict(self)
        for name in self.hash_excludes:
            data.pop(name)
        return _hash(data)


@dataclass
class TrackData(_Hashed):
    slug: str
    title: str
    order: int
    summary: str
    intro_md: str
    source_path: str
    source_text: str = field(default="", repr=False)  # the whole file


@dataclass
class CardData(_Hashed):
    slug: str
    kind: str
    question_md: str
    answer_md: str
    key_points: list[str]
    pitfall_md: str
    follow_ups: list[str]
    order: int
    lesson_slug: str
    source_text: str = field(default="", repr=False)  # from its opening '+++' to the next card


@dataclass
class LessonData(_Hashed):
    slug: str
    title: str
    order: int
    summary: str
    intro_md: str
    track_slug: str
    source_path: str
    cards: list[CardData] = field(default_factory=list)
    source_text: str = field(default="", repr=False)  # front matter and intro, up to a card

    hash_excludes = ("cards",)  # a lesson's own change, not its cards' (they hash themselves)


@dataclass
class ExerciseData(_Hashed):
    slug: str
    title: str
    language: str
    card_slugs: list[str]
    order: int
    limits: dict
    prompt_md: str
    interview_angle_md: str
    starter_code: str
    example_tests: str
    hidden_tests: str
    solution_code: str
    wrong_solutions: dict[str, str]
    source_path: str
    hints: list[str] = field(default_factory=list)
    # Wrong-solution file name -> {"title": ..., "explanation": ...}
    mistakes: dict[str, dict[str, str]] = field(default_factory=dict)
    source_text: str = field(default="", repr=False)  # exercise.md
    # Other correct solutions, of other shapes: they must pass, so the hidden tests are proven
    # to accept every reasonable answer, not only the reference's.
    alternative_solutions: dict[str, str] = field(default_factory=dict)


@dataclass
class Course:
    tracks: list[TrackData] = field(default_factory=list)
    lessons: list[LessonData] = field(default_factory=list)
    exercises: list[ExerciseData] = field(default_factory=list)

    @property
    def cards(self) -> list[CardData]:
        return [card for lesson in self.lessons for card in lesson.cards]


def _hash(data: dict) -> str:
    data.pop("source_text", None)  # the raw text is kept for export_content, not compared
    return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()


class _FileReader:
    """Collects the problems of one file while its parts are read."""

    def __init__(self, path: Path, root: Path, problems: list[ContentProblem]):
        self.path = path
        self.rel = str(path.relative_to(root.parent)) if root.parent in path.parents else str(path)
        self.problems = problems

    def problem(self, field_name: str, message: str, line: int | None = None) -> None:
        self.problems.append(ContentProblem(self.rel, field_name, message, line))

    def read_text(self) -> str | None:
        try:
            return self.path.read_text(encoding="utf-8")
        except UnicodeDecodeError as exc:
            self.problem("file", f"is not valid UTF-8 ({exc.reason} at byte {exc.start})")
        except OSError as exc:
            self.problem("file", f"cannot be read ({exc.strerror})")
        return None

    def split_front_matter(self, text: str) -> tuple[dict | None, str, int]:
        """Return (front matter, body, line number where the body starts)."""
        lines = text.splitlines(keepends=True)
        if not lines or lines[0].rstrip("\r\n") != "---":
            self.problem("front matter", "the file must start with a line '---'", 1)
            return None, "", 0
        for index in range(1, len(lines)):
            if lines[index].rstrip("\r\n") == "---":
                header = "".join(lines[1:index])
                data = self.load_yaml(header, "front matter", first_line=2)
                return data, "".join(lines[index + 1 :]), index + 2
        self.problem("front matter", "no closing '---' line", 1)
        return None, "", 0

    def load_yaml(self, text: str, what: str, first_line: int) -> dict | None:
        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            line = first_line + mark.line if mark is not None else first_line
            reason = getattr(exc, "problem", None) or str(exc)
            self.problem(what, f"invalid YAML: {reason}", line)
            return None
        if not isinstance(data, dict):
            self.problem(what, "must be a YAML mapping of fields", first_line)
            return None
        return data

    def check_fields(self, data: dict, spec: dict[str, bool], what: str, line: int | None) -> bool:
        ok = True
        for name in data:
            if name not in spec:
                allowed = ", ".join(spec)
                self.problem(f"{what}.{name}", f"unknown field (allowed: {allowed})", line)
                ok = False
        for name, required in spec.items():
            if required and (name not in data or data[name] in (None, "")):
                self.problem(f"{what}.{name}", "is required", line)
                ok = False
        return ok

    def slug(self, data: dict, what: str, line: int | None) -> str | None:
        value = data.get("id")
        if not isinstance(value, str) or not SLUG_RE.match(value):
            message = f"must be lowercase words joined by '-', got {value!r}"
            self.problem(f"{what}.id", message, line)
            return None
        return value

    def text(self, data: dict, name: str, what: str, line: int | None, required: bool) -> str:
        value = data.get(name)
        if value is None:
            return ""
        if not isinstance(value, str | int | float) or isinstance(value, bool):
            self.problem(f"{what}.{name}", "must be text", line)
            return ""
        value = str(value).strip()
        if required and not value:
            self.problem(f"{what}.{name}", "must not be empty", line)
        return value

    def integer(self, data: dict, name: str, what: str, line: int | None) -> int:
        value = data.get(name)
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            self.problem(f"{what}.{name}", f"must be a whole number >= 0, got {value!r}", line)
            return 0
        return value

    def string_list(
        self, data: dict, name: str, what: str, line: int | None, *, low: int, high: int
    ) -> list[str]:
        value = data.get(name, [])
        if value is None:
            value = []
        if not isinstance(value, list) or not all(
            isinstance(item, str) and item.strip() for item in value
        ):
            self.problem(f"{what}.{name}", "must be a list of non-empty strings", line)
            return []
        if not low <= len(value) <= high:
            message = f"must have {low} to {high} items, has {len(value)}"
            self.problem(f"{what}.{name}", message, line)
        return [item.strip() for item in value]


def _read_track(path: Path, root: Path, problems: list[ContentProblem]) -> TrackData | None:
    reader = _FileReader(path, root, problems)
    text = reader.read_text()
    if text is None:
        return None
    data, body, _ = reader.split_front_matter(text)
    if data is None:
        return None
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


def _read_lesson(
    path: Path, root: Path, track_slug: str, problems: list[ContentProblem]
) -> LessonData | None:
    reader = _FileReader(path, root, problems)
    text = reader.read_text()
    if text is None:
        return None
    data, body, body_line = reader.split_front_matter(text)
    if data is None:
        return None
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
    delimiters = [index for index, line in enumerate(lines) if line.rstrip("\r\n") == "+++"]
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
        card = _read_card(reader, card_data, "".join(lines[stop + 1 : next_start]), line)
        if card:
            card.order = position + 1
            card.lesson_slug = lesson.slug
            card.source_text = "".join(lines[start:next_start])
            lesson.cards.append(card)
    return lesson if len(problems) == before else None


def _read_card(reader: _FileReader, data: dict, answer: str, line: int) -> CardData | None:
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


def _key_points(reader: _FileReader, data: dict, what: str, line: int) -> list[str]:
    low, high = KEY_POINTS
    points = reader.string_list(data, "key_points", what, line, low=low, high=high)
    for number, point in enumerate(points, start=1):
        problem = key_point_problem(point)
        if problem:
            reader.problem(f"{what}.key_points", f"item {number} ({point!r}) {problem}", line)
    return points


def _read_exercise(folder: Path, root: Path, problems: list[ContentProblem]) -> ExerciseData | None:
    reader = _FileReader(folder / "exercise.md", root, problems)
    if not reader.path.is_file():
        reader.problem("file", "missing: every exercise folder needs an exercise.md")
        return None
    text = reader.read_text()
    if text is None:
        return None
    data, body, _ = reader.split_front_matter(text)
    if data is None:
        return None
    before = len(problems)
    reader.check_fields(data, EXERCISE_FIELDS, "exercise", 1)
    slug = reader.slug(data, "exercise", 1)
    if slug and slug != folder.name:
        reader.problem("exercise.id", f"must equal its folder name {folder.name!r}", 1)
    language = data.get("language")
    if "language" in data and language not in LANGUAGES:
        reader.problem(
            "exercise.language", f"must be one of {', '.join(LANGUAGES)}, got {language!r}", 1
        )
    cards = data.get("cards")
    if isinstance(cards, str):
        cards = [cards]
    if "cards" in data and (
        not isinstance(cards, list) or not cards or not all(isinstance(c, str) for c in cards)
    ):
        reader.problem("exercise.cards", "must be a non-empty list of card ids", 1)
        cards = []
    limits = data.get("limits") or {}
    if not isinstance(limits, dict):
        reader.problem("exercise.limits", "must be a mapping", 1)
        limits = {}
    if limits and language in LANGUAGES:
        # The sandbox's own Limits decide what is valid: one list of names and bounds.
        try:
            Limits.for_language(language, **limits)
        except TypeError:
            known = ", ".join(field.name for field in dataclasses.fields(Limits))
            unknown = ", ".join(sorted(set(limits) - {f.name for f in dataclasses.fields(Limits)}))
            reader.problem(f"exercise.limits.{unknown}", f"unknown limit (allowed: {known})", 1)
        except ValueError as exc:
            reader.problem("exercise.limits", str(exc), 1)
    if not body.strip():
        reader.problem("exercise.prompt", "the prompt (Markdown after the front matter) is empty")
    hints = reader.string_list(data, "hints", "exercise", 1, low=HINTS[0], high=HINTS[1])
    for number, hint in enumerate(hints, start=1):
        problem = coaching_text_problem(hint, HINT_MAX_CHARS)
        if problem:
            reader.problem("exercise.hints", f"hint {number} {problem}", 1)
    mistakes = _mistakes(reader, data.get("mistakes"))

    files: dict[str, str] = {}
    wrong: dict[str, str] = {}
    alternatives: dict[str, str] = {}
    ext = LANGUAGES.get(language)
    if ext:
        for stem in ("starter", "example_test", "tests", "solution"):
            file_reader = _FileReader(folder / f"{stem}.{ext}", root, problems)
            if not file_reader.path.is_file():
                file_reader.problem("file", f"missing: the exercise needs {stem}.{ext}")
                continue
            files[stem] = file_reader.read_text() or ""
        wrong_dir = folder / "wrong"
        wrong_files = sorted(wrong_dir.glob(f"*.{ext}")) if wrong_dir.is_dir() else []
        if not wrong_files:
            reader.problem("wrong", f"missing: at least one wrong/*.{ext} solution that must fail")
        for path in wrong_files:
            source = _FileReader(path, root, problems).read_text()
            if source is not None:
                wrong[path.name] = source
        if "mistakes" in data:
            for name in wrong_files:
                if name.name not in mistakes:
                    message = f"wrong/{name.name} has no entry: give it a title and explanation"
                    reader.problem("exercise.mistakes", message, 1)
            for name in mistakes:
                if name not in {path.name for path in wrong_files}:
                    message = f"{name!r} names no file in wrong/ (allowed: the wrong/*.{ext} files)"
                    reader.problem(f"exercise.mistakes.{name}", message, 1)
        alternatives_dir = folder / "alternatives"
        if alternatives_dir.is_dir():
            for path in sorted(alternatives_dir.glob(f"*.{ext}")):
                source = _FileReader(path, root, problems).read_text()
                if source is not None:
                    alternatives[path.name] = source

    if len(problems) != before:
        return None
    return ExerciseData(
        slug=slug or "",
        title=reader.text(data, "title", "exercise", 1, required=True),
        language=language,
        card_slugs=list(cards or []),
        order=reader.integer(data, "order", "exercise", 1),
        limits=limits,
        prompt_md=body.strip(),
        interview_angle_md=reader.text(data, "interview_angle", "exercise", 1, required=False),
        starter_code=files["starter"],
        example_tests=files["example_test"],
        hidden_tests=files["tests"],
        solution_code=files["solution"],
        wrong_solutions=wrong,
        alternative_solutions=alternatives,
        hints=hints,
        mistakes=mistakes,
        source_path=str(folder.relative_to(root.parent)),
        source_text=text,
    )


def _mistakes(reader: _FileReader, value) -> dict[str, dict[str, str]]:
    """The `mistakes` mapping: wrong-solution file name -> {title, explanation}."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        reader.problem("exercise.mistakes", "must map each wrong/ file name to its mistake", 1)
        return {}
    mistakes = {}
    for name, entry in value.items():
        what = f"exercise.mistakes.{name}"
        if not isinstance(entry, dict):
            reader.problem(what, "must be a mapping with a title and an explanation", 1)
            continue
        if not reader.check_fields(entry, MISTAKE_FIELDS, what, 1):
            continue
        title = reader.text(entry, "title", what, 1, required=True)
        explanation = reader.text(entry, "explanation", what, 1, required=True)
        for field_name, text, limit in (
            ("title", title, MISTAKE_TITLE_MAX_CHARS),
            ("explanation", explanation, MISTAKE_EXPLANATION_MAX_CHARS),
        ):
            problem = coaching_text_problem(text, limit)
            if problem:
                reader.problem(f"{what}.{field_name}", problem, 1)
        mistakes[str(name)] = {"title": title, "explanation": explanation}
    return mistakes


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
                exercise = _read_exercise(folder, root, problems)
                if exercise:
                    course.exercises.append(exercise)
            continue
        track_file = track_dir / "track.md"
        if not track_file.is_file():
            rel = str(track_dir.relative_to(root.parent))
            problems.append(ContentProblem(rel, "track.md", "missing: a track folder needs one"))
            continue
        track = _read_track(track_file, root, problems)
        if not track:
            continue
        course.tracks.append(track)
        for lesson_file in sorted(track_dir.glob("*.md")):
            if lesson_file.name == "track.md":
                continue
            lesson = _read_lesson(lesson_file, root, track.slug, problems)
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
