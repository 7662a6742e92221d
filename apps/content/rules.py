"""The rules course content follows, each defined once: the loader applies them to the files in
content/, the admin forms to what staff type, so whatever the admin saves exports back to
content/ and imports unchanged. The messages around them belong to each caller (the loader names
the file and the field, a form speaks to the person at the keyboard).
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass

from apps.content.models import Card
from apps.sandbox.limits import Limits

# The layout of content/ (docs/content-format.md, docs/exercise-format.md).
EXERCISES_DIR = "exercises"
CODE_STEMS = ("starter", "example_test", "tests", "solution")  # <stem>.<language extension>
CARD_DELIMITER = "+++"  # the line that opens and closes a card's front matter in a lesson file

SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
CARD_KINDS = tuple(Card.Kind.values)

# Front-matter fields of each kind of item: name -> required.
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

# A card's rubric: each key point is one thing a candidate either said or did not, so a mock
# interviewer can tick it.
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


def solution_file_name_ok(name: str, *, extension: str) -> bool:
    """A wrong or alternative solution's file name: lowercase words joined by '-', ending in
    the exercise language's extension."""
    return re.fullmatch(rf"[a-z0-9][a-z0-9-]*\.{extension}", name) is not None


# Limits: the sandbox's own `Limits` decide what is valid, one list of names and bounds.
LIMIT_NAMES = tuple(limit.name for limit in dataclasses.fields(Limits))


@dataclass(frozen=True)
class LimitsProblem:
    """Why an exercise's `limits` are refused: names `Limits` does not have (`unknown_names`,
    sorted), or else a value out of range (`reason`, the sandbox's own words)."""

    unknown_names: tuple[str, ...] | None = None
    reason: str = ""


def limits_problem(*, language: str, limits: dict) -> LimitsProblem | None:
    try:
        Limits.for_language(language, **limits)
    except TypeError:
        return LimitsProblem(unknown_names=tuple(sorted(set(limits) - set(LIMIT_NAMES))))
    except ValueError as exc:
        return LimitsProblem(reason=str(exc))
    return None
