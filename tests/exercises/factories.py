"""Small, stable exercises for tests (one per language) that do not depend on the catalogue in
content/, which other people edit. Their tests follow docs/exercise-format.md, so the real jail
can grade them."""

from __future__ import annotations

from apps.content.models import Card, Exercise, ExerciseCard, Lesson, Track

JS = {
    "starter": "function add(a, b) {\n  // Return the sum.\n}\n\nmodule.exports = { add };\n",
    "example": (
        "module.exports = ({ test, assert, load }) => {\n"
        "  test('adds two small numbers', () => {\n"
        "    assert.equal(load().add(1, 2), 3, 'add(1, 2) should be 3');\n"
        "  });\n"
        "};\n"
    ),
    "hidden": (
        "module.exports = ({ test, assert, load }) => {\n"
        "  test('adds negative numbers', () => {\n"
        "    assert.equal(load().add(-2, -3), -5, 'add(-2, -3) should be -5');\n"
        "  });\n"
        "  test('adding zero changes nothing', () => {\n"
        "    assert.equal(load().add(7, 0), 7, 'add(7, 0) should be 7');\n"
        "  });\n"
        "};\n"
    ),
    "solution": "function add(a, b) {\n  return a + b;\n}\n\nmodule.exports = { add };\n",
    "wrong": {
        "subtracts.js": "// Mistake: subtracts.\nmodule.exports = { add: (a, b) => a - b };\n",
        "prints-pass.js": (
            "// Mistake: fakes the results on stdout and exits.\n"
            "console.log('ok 1 - all tests passed');\nprocess.exit(0);\n"
        ),
    },
}

PY = {
    "starter": 'def add(a, b):\n    """Return the sum of a and b."""\n',
    "example": (
        "from harness import load, test\n\n\n"
        '@test("adds two small numbers")\n'
        "def _():\n"
        '    assert load().add(1, 2) == 3, "add(1, 2) should be 3"\n'
    ),
    "hidden": (
        "from harness import load, test\n\n\n"
        '@test("adds negative numbers")\n'
        "def _():\n"
        '    assert load().add(-2, -3) == -5, "add(-2, -3) should be -5"\n\n\n'
        '@test("adding zero changes nothing")\n'
        "def _():\n"
        '    print("checking zero")\n'
        '    assert load().add(7, 0) == 7, "add(7, 0) should be 7"\n'
    ),
    "solution": "def add(a, b):\n    return a + b\n",
    "wrong": {
        "subtracts.py": "# Mistake: subtracts.\ndef add(a, b):\n    return a - b\n",
        "exits-early.py": "# Mistake: exits before the tests run.\nimport sys\nsys.exit(0)\n",
    },
}

SOURCES = {"javascript": JS, "python": PY}

HINTS = [
    "Which arithmetic operation combines two numbers into their total?",
    "Check the sign: adding a negative number makes the total smaller.",
]
MISTAKES = {
    "subtracts": {
        "title": "Subtracts instead of adding",
        "explanation": "Taking one number away from the other is not their total.",
    },
    "prints-pass": {
        "title": "Fakes the results",
        "explanation": "Printing that the tests passed proves nothing: each test needs a result.",
    },
    "exits-early": {
        "title": "Exits before the tests run",
        "explanation": "A program that stops before the tests run passes none of them.",
    },
}


def card_make(slug: str = "test-card") -> Card:
    track, _ = Track.objects.get_or_create(slug="test-track", defaults={"title": "Test track"})
    lesson, _ = Lesson.objects.get_or_create(
        slug="test-lesson", defaults={"track": track, "title": "Test lesson"}
    )
    card, _ = Card.objects.get_or_create(
        slug=slug,
        defaults={
            "lesson": lesson,
            "kind": Card.Kind.SCENARIO,
            "question_md": "How do you add?",
            "question_html": "<p>How do you add?</p>",
            "answer_md": "With +.",
            "answer_html": "<p>With +.</p>",
        },
    )
    return card


def exercise_make(*, language: str = "javascript", slug: str | None = None, **fields) -> Exercise:
    source = SOURCES[language]
    slug = slug or f"add-{language}"
    defaults = {
        "title": f"Add two numbers ({language})",
        "language": language,
        "prompt_md": "Export `add(a, b)` returning the sum.",
        "prompt_html": "<p>Export <code>add(a, b)</code> returning the sum.</p>",
        "interview_angle_md": "Types.",
        "interview_angle_html": "<p>They listen for <strong>types</strong>.</p>",
        "starter_code": source["starter"],
        "example_tests": source["example"],
        "hidden_tests": source["hidden"],
        "solution_code": source["solution"],
        "wrong_solutions": source["wrong"],
        "hints": HINTS,
        "mistakes": {name: MISTAKES[name.rsplit(".", 1)[0]] for name in source["wrong"]},
        "limits": {},
    }
    defaults.update(fields)
    exercise = Exercise.objects.create(slug=slug, **defaults)
    ExerciseCard.objects.create(exercise=exercise, card=card_make(), position=0)
    return exercise


def content_subset(folder, *, exercises: list[str]):
    """A content root holding every track of content/ but only the named exercise folders
    (symlinks), so a test can import real exercises while others are mid-edit, plus those
    lesson code blocks are marked with (`exercise=<id>`)."""
    from pathlib import Path

    from django.conf import settings

    source = Path(settings.CONTENT_DIR)
    root = Path(folder)
    (root / "exercises").mkdir(parents=True, exist_ok=True)
    for track in source.iterdir():
        if track.is_dir() and track.name != "exercises" and not track.name.startswith("."):
            (root / track.name).symlink_to(track, target_is_directory=True)
    # Lesson code marked `exercise=<id>` needs that exercise, or the loader refuses the course.
    import re

    marked = {
        match
        for lesson in source.glob("*/*.md")
        if not lesson.is_relative_to(source / "exercises")
        for match in re.findall(r"exercise=([a-z0-9-]+)", lesson.read_text())
    }
    for slug in dict.fromkeys([*exercises, *sorted(marked)]):
        (root / "exercises" / slug).symlink_to(source / "exercises" / slug)
    return root
