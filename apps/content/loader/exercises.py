"""Reading one exercise folder: exercise.md (front matter, prompt, coaching), its code files,
and its wrong and alternative solutions."""

from __future__ import annotations

from pathlib import Path

from apps.content.loader.files import FileReader
from apps.content.loader.records import ContentProblem, ExerciseData
from apps.content.rules import (
    CODE_STEMS,
    EXERCISE_FIELDS,
    HINT_MAX_CHARS,
    HINTS,
    LIMIT_NAMES,
    MISTAKE_EXPLANATION_MAX_CHARS,
    MISTAKE_FIELDS,
    MISTAKE_TITLE_MAX_CHARS,
    coaching_text_problem,
    limits_problem,
)
from apps.sandbox.languages import LANGUAGES


def exercise_read(folder: Path, root: Path, problems: list[ContentProblem]) -> ExerciseData | None:
    reader = FileReader(folder / "exercise.md", root, problems)
    if not reader.path.is_file():
        reader.problem("file", "missing: every exercise folder needs an exercise.md")
        return None
    read = reader.read_front_matter()
    if read is None:
        return None
    text, data, body, _ = read
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
        problem = limits_problem(language=language, limits=limits)
        if problem and problem.unknown_names is not None:
            unknown = ", ".join(problem.unknown_names)
            known = ", ".join(LIMIT_NAMES)
            reader.problem(f"exercise.limits.{unknown}", f"unknown limit (allowed: {known})", 1)
        elif problem:
            reader.problem("exercise.limits", problem.reason, 1)
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
    if language in LANGUAGES:
        ext = LANGUAGES[language].extension
        for stem in CODE_STEMS:
            file_reader = FileReader(folder / f"{stem}.{ext}", root, problems)
            if not file_reader.path.is_file():
                file_reader.problem("file", f"missing: the exercise needs {stem}.{ext}")
                continue
            files[stem] = file_reader.read_text() or ""
        wrong_dir = folder / "wrong"
        wrong_files = sorted(wrong_dir.glob(f"*.{ext}")) if wrong_dir.is_dir() else []
        if not wrong_files:
            reader.problem("wrong", f"missing: at least one wrong/*.{ext} solution that must fail")
        for path in wrong_files:
            source = FileReader(path, root, problems).read_text()
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
                source = FileReader(path, root, problems).read_text()
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


def _mistakes(reader: FileReader, value) -> dict[str, dict[str, str]]:
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
