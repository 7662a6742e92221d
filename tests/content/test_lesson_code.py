"""Lesson code is tested like exercise code (issue 18): a lesson block marked
```` ```javascript exercise=<id> ```` claims to solve that exercise's scenario, so it is graded
exactly as written against the exercise's example and hidden tests in the real jail, the way
`check_exercises` grades a reference solution. The marker itself never reaches the page, and the
loader rejects one naming an unknown exercise or sitting on a block in another language."""

import shutil
from pathlib import Path

import pytest

from apps.content.codeblocks import code_blocks, lesson_marked_blocks, strip_markers
from apps.content.loader import ContentError, Course, course_read
from apps.content.rendering import render_markdown
from apps.sandbox import Limits, grade
from apps.sandbox.languages import LANGUAGES

CONTENT = Path(__file__).resolve().parents[2] / "content"
try:
    COURSE, LOAD_ERROR = course_read(CONTENT), None
except ContentError as exc:  # reported by test_the_course_loads, not as a collection crash
    COURSE, LOAD_ERROR = Course(), exc
EXERCISES = {exercise.slug: exercise for exercise in COURSE.exercises}
MARKED = [
    marked
    for lesson in COURSE.lessons
    for marked in lesson_marked_blocks(lesson)
    if marked.block.exercise is not None
]
# Lesson blocks known to present themselves as the answer to an exercise's scenario: if one of
# these loses its marker, the lesson's code is no longer proven.
EXPECTED = {"js-order-processing", "js-stream-csv", "js-parallel-news"}


def _id(marked) -> str:
    return f"{Path(marked.path).name}:{marked.line}:{marked.block.exercise}"


@pytest.mark.sandbox
@pytest.mark.parametrize("marked", MARKED, ids=_id)
def test_a_marked_lesson_block_passes_its_exercise_in_the_jail(marked):
    exercise = EXERCISES[marked.block.exercise]
    ext = LANGUAGES[exercise.language].extension
    graded = grade(
        language=exercise.language,
        code=marked.block.source,
        tests={
            f"example_test.{ext}": exercise.example_tests,
            f"tests.{ext}": exercise.hidden_tests,
        },
        limits=Limits.for_language(exercise.language, **(exercise.limits or {})),
    )
    result = graded.to_dict()
    where = f"{marked.path}:{marked.line} ({marked.field}, marked exercise={exercise.slug})"
    assert graded.unavailable_reason is None, (
        f"{where}: the jail could not be built: {graded.unavailable_reason}"
    )
    tests = result.get("tests") or []
    failing = [t for t in tests if t.get("status") != "pass"]
    details = "; ".join(
        f'"{t.get("name")}": {(t.get("message") or "").strip()[:300]}' for t in failing
    )
    assert result.get("status") == "pass", (
        f"{where}: the lesson's code does not pass exercise {exercise.slug} "
        f"({len(tests) - len(failing)}/{len(tests)} tests pass): "
        f"{details or (result.get('message') or '').strip()[:500]}"
    )


def test_the_course_loads():
    assert LOAD_ERROR is None, (
        f"content/ does not load, so no lesson code was graded:\n{LOAD_ERROR}"
    )


def test_the_lessons_mark_the_blocks_that_solve_exercises():
    marked = {m.block.exercise for m in MARKED}
    assert marked >= EXPECTED, f"no marked lesson block for {sorted(EXPECTED - marked)}"
    for m in MARKED:
        assert (
            "module.exports" in m.block.source or EXERCISES[m.block.exercise].language == "python"
        ), f"{m.path}:{m.line}: a marked block must be a complete module (with exports)"


def test_the_marker_is_dropped_from_the_page_and_the_block_is_highlighted_by_its_language():
    source = "Text.\n\n```javascript exercise=js-stream-csv\nconst total = 1;\n```\n"
    html = render_markdown(source)
    assert "exercise=" not in html and "js-stream-csv" not in html
    assert '<div class="highlight">' in html and '<span class="kd">const</span>' in html
    assert html == render_markdown(source.replace(" exercise=js-stream-csv", ""))


def test_only_opening_fences_lose_the_marker():
    text = (
        "````markdown\n```javascript exercise=js-stream-csv\n````\n\n"
        "```py exercise=py-saga\nx = 1\n```\n"
    )
    assert (
        strip_markers(text)
        == "````markdown\n```javascript exercise=js-stream-csv\n````\n\n```py\nx = 1\n```\n"
    )
    blocks = code_blocks(text)
    assert [(b.line, b.language, b.exercise) for b in blocks] == [
        (1, "markdown", None),
        (5, "py", "py-saga"),
    ]


@pytest.fixture
def content_copy(tmp_path):
    root = tmp_path / "content"
    shutil.copytree(CONTENT, root)
    return root


def _problems(root) -> list[str]:
    with pytest.raises(ContentError) as excinfo:
        course_read(root)
    return [str(problem) for problem in excinfo.value.problems]


@pytest.mark.parametrize(
    ("marker", "message"),
    [
        ("```javascript exercise=js-no-such-exercise", "unknown exercise id 'js-no-such-exercise'"),
        (
            "```python exercise=js-order-processing",
            "the block is 'python' but the exercise is 'javascript'",
        ),
        ("```javascript exercise=js-order-processing solves", "unknown attribute(s) solves"),
        ("```javascript exercize=js-order-processing", "unknown attribute(s) exercize"),
    ],
)
def test_the_loader_rejects_a_bad_marker_naming_the_file_card_and_line(
    content_copy, marker, message
):
    lesson = content_copy / "javascript-async" / "01-choosing-an-async-style.md"
    text = lesson.read_text()
    assert text.count("```javascript exercise=js-order-processing\n") == 1
    lesson.write_text(text.replace("```javascript exercise=js-order-processing\n", marker + "\n"))
    line = text.splitlines().index("```javascript exercise=js-order-processing") + 1
    problems = _problems(content_copy)
    expected = (
        f"content/javascript-async/01-choosing-an-async-style.md:{line}: "
        "card js-async-await-order-processing.answer.code: "
    )
    assert any(p.startswith(expected) and message in p for p in problems), problems
