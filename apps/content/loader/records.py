"""What the loader produces: plain records of the course, and the problems it found."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field


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


def _hash(data: dict) -> str:
    data.pop("source_text", None)  # the raw text is kept for export_content, not compared
    return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()


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
