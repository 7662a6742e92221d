"""Fenced code blocks in lesson Markdown, and the marker that ties one to an exercise.

A lesson block that claims to solve an exercise's scenario names the exercise in its info string:

    ```javascript exercise=js-stream-csv

- the renderer drops the marker before Markdown sees it (`strip_markers`), so Pygments gets only
  the language and the page never shows the marker;
- the loader rejects a marker that is malformed, names an unknown exercise, or sits on a block
  whose language is not the exercise's (`marker_problems`, naming the file, card and line);
- `tests/content/test_lesson_code.py` grades every marked block, exactly as written, against its
  exercise's tests in the jail, the way `check_exercises` grades a reference solution.

The scanner follows Python-Markdown's `fenced_code` rules, so it finds exactly the blocks the
renderer renders: a fence of three or more backticks or tildes at the very start of a line, closed
by a line holding the same fence (and nothing but trailing spaces).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from apps.content.rules import SLUG_RE
from apps.sandbox.languages import language_for_fence

# Python-Markdown's fenced_code: the fence starts the line; the info string follows it.
_OPEN_RE = re.compile(r"^(?P<fence>`{3,}|~{3,})[ ]*(?P<info>[^\n]*?)[ \t]*$")
# One `key=value` attribute of the info string (the value may be quoted, as hl_lines is).
_ATTRIBUTE_RE = re.compile(r"""(?P<key>[A-Za-z_][\w-]*)=(?P<value>"[^"]*"|'[^']*'|\S+)""")
_MARKER_RE = re.compile(r"[ \t]+exercise=\S+")

MARKER = "exercise"
# Attributes an info string may carry after the language: ours, and Python-Markdown's own.
KNOWN_ATTRIBUTES = (MARKER, "hl_lines")


@dataclass(frozen=True)
class CodeBlock:
    line: int  # 1-based line of the opening fence in the scanned text
    info: str  # the info string as written (language and attributes)
    source: str  # the code between the fences
    language: str = ""
    attributes: dict[str, str] = field(default_factory=dict)
    stray: tuple[str, ...] = ()  # info words that are neither the language nor key=value

    @property
    def exercise(self) -> str | None:
        """The exercise this block claims to solve, or None for an ordinary block."""
        return self.attributes.get(MARKER)


@dataclass(frozen=True)
class MarkedBlock:
    """A marked block of a lesson, located for error messages and test ids."""

    path: str  # the lesson file, relative to the content folder's parent
    field: str  # "card <id>.answer" or "lesson.intro"
    line: int  # line of the opening fence in the lesson file
    block: CodeBlock


def _parse_info(info: str) -> tuple[str, dict[str, str], tuple[str, ...]]:
    words = info.split(None, 1)
    if not words or "=" in words[0]:
        language, rest = "", info
    else:
        language, rest = words[0], (words[1] if len(words) > 1 else "")
    attributes: dict[str, str] = {}
    for match in _ATTRIBUTE_RE.finditer(rest):
        attributes.setdefault(match["key"], match["value"].strip("\"'"))
    stray = tuple(_ATTRIBUTE_RE.sub(" ", rest).split())
    return language, attributes, stray


def code_blocks(text: str) -> list[CodeBlock]:
    """Every fenced code block of `text`, in order (an unclosed fence is not a block)."""
    lines = text.splitlines()
    blocks: list[CodeBlock] = []
    index = 0
    while index < len(lines):
        opening = _OPEN_RE.match(lines[index])
        if opening is None:
            index += 1
            continue
        fence = opening["fence"]
        close = next(
            (j for j in range(index + 1, len(lines)) if lines[j].rstrip(" ") == fence), None
        )
        if close is None:
            index += 1
            continue
        info = opening["info"]
        language, attributes, stray = _parse_info(info)
        source = "\n".join(lines[index + 1 : close]) + "\n"
        blocks.append(CodeBlock(index + 1, info, source, language, attributes, stray))
        index = close + 1
    return blocks


def strip_markers(text: str) -> str:
    """`text` with the exercise marker removed from every opening fence, for the renderer."""
    if f"{MARKER}=" not in text:
        return text
    lines = text.splitlines(keepends=True)
    for block in code_blocks(text):
        if block.exercise is not None:
            index = block.line - 1
            lines[index] = _MARKER_RE.sub("", lines[index], count=1)
    return "".join(lines)


def lesson_marked_blocks(lesson) -> list[MarkedBlock]:
    """The marked blocks of a loaded lesson (`apps.content.loader.LessonData`), with the line of
    each in the lesson file: the lesson's own text is followed by each card's, in order."""
    found: list[MarkedBlock] = []
    parts = [("lesson.intro", lesson.source_text)]
    parts += [(f"card {card.slug}.answer", card.source_text) for card in lesson.cards]
    offset = 0
    for name, text in parts:
        for block in code_blocks(text):
            if block.exercise is not None or block.stray or set(block.attributes) - {"hl_lines"}:
                found.append(MarkedBlock(lesson.source_path, name, offset + block.line, block))
        offset += len(text.splitlines())
    return found


def marker_problems(lesson, exercise_languages: dict[str, str]) -> list[tuple[str, int, str]]:
    """(field, line, message) for each marker of `lesson` that is malformed, names an unknown
    exercise, or sits on a block in another language than its exercise's.
    `exercise_languages` maps every exercise id to its language."""
    problems = []
    for marked in lesson_marked_blocks(lesson):
        block = marked.block
        where = f"{marked.field}.code"
        unknown = sorted(set(block.attributes) - set(KNOWN_ATTRIBUTES)) + list(block.stray)
        if unknown:
            allowed = f"{MARKER}=<exercise id>"
            message = (
                f"the code block's info string {block.info!r} has unknown attribute(s) "
                f"{', '.join(unknown)} (allowed after the language: {allowed})"
            )
            problems.append((where, marked.line, message))
        slug = block.exercise
        if slug is None:
            continue
        if not SLUG_RE.match(slug):
            problems.append((where, marked.line, f"{MARKER}={slug!r} is not an exercise id"))
            continue
        if slug not in exercise_languages:
            problems.append((where, marked.line, f"{MARKER}={slug}: unknown exercise id {slug!r}"))
            continue
        expected = exercise_languages[slug]
        language = language_for_fence(block.language)
        if language is None or language.key != expected:
            shown = block.language or "no language"
            message = (
                f"{MARKER}={slug}: the block is {shown!r} but the exercise is {expected!r}; "
                f"start the fence with ```{expected} {MARKER}={slug}"
            )
            problems.append((where, marked.line, message))
    return problems
