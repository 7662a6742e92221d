"""The loader: the real course imports cleanly; bad input names the file and the field and
writes nothing; re-import is a no-op; edits keep ids and progress."""

from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError

from apps.content.exporter import content_export
from apps.content.loader import ContentError, course_read
from apps.content.models import Card, Exercise, Lesson, Track
from apps.content.rules import FOLLOW_UPS, KEY_POINT_MAX_CHARS, KEY_POINTS, key_point_problem
from apps.content.services import content_import

CONTENT = Path(settings.CONTENT_DIR)

TRACK = """---
id: demo
title: Demo track
order: 1
summary: A track for tests.
---
Intro.
"""

LESSON = """---
id: demo-lesson
title: Demo lesson
order: 1
---
Lesson intro.

+++
id: demo-first
kind: qa
question: What is first?
key_points:
  - one
  - two
  - three
+++
The **first** answer.

```python
print("hi")
```

+++
id: demo-second
kind: trick
question: Is second a trick?
key_points: [a, b, c]
pitfall: Saying no.
follow_ups: ["Why?"]
+++
Yes.
"""


@pytest.fixture
def tree(tmp_path):
    root = tmp_path / "content"
    (root / "demo").mkdir(parents=True)
    (root / "demo" / "track.md").write_text(TRACK)
    (root / "demo" / "01-lesson.md").write_text(LESSON)
    return root


def problems_of(root):
    with pytest.raises(ContentError) as excinfo:
        course_read(root)
    return [str(problem) for problem in excinfo.value.problems]


# The 48 cards of the seed, one per item of the material. Learners' progress hangs on these ids:
# they never change and never go away.
SEED_CARD_IDS = (
    "js-async-await-order-processing",
    "js-promises-parallel-news",
    "js-callbacks-file-streaming",
    "ms-microservices-vs-monolith",
    "ms-key-characteristics",
    "ms-advantages-disadvantages",
    "ms-api-gateway-role",
    "ms-inter-service-protocols",
    "ms-design-best-practices",
    "ms-service-boundaries",
    "ms-eventual-consistency",
    "ms-data-management",
    "ms-inter-service-communication",
    "ms-deployment-strategies",
    "ms-versioning",
    "ms-deployment-tools",
    "ms-scaling",
    "ms-health-monitoring",
    "ms-logging-tracing",
    "ms-security",
    "ms-security-challenges",
    "ms-testing-strategies",
    "ms-configuration-management",
    "ms-service-mesh",
    "ms-monolith-refactoring",
    "ms-implementation-experience",
    "ms-orchestration-tools",
    "ms-fault-tolerance",
    "ms-distributed-transactions",
    "ms-circuit-breaker",
    "ms-service-discovery",
    "ms-message-broker",
    "ms-design-patterns",
    "trick-no-api-gateway",
    "trick-one-service-fails",
    "trick-sync-vs-async",
    "trick-performance-degradation",
    "trick-detecting-downstream-failure",
    "trick-service-discovery-necessary",
    "trick-sharing-data",
    "trick-distributed-transactions",
    "trick-shared-database",
    "trick-orchestration-vs-choreography",
    "trick-without-containers",
    "trick-auth-single-credentials-db",
    "trick-multiple-versions",
    "trick-central-logging",
    "trick-multi-cloud",
)

# Cards that go beyond the material live in lessons marked as such, one per track.
BEYOND_THE_NOTES = {
    "js-beyond-the-notes": {"js-event-loop-ordering", "js-unhandled-rejections"},
    "ms-beyond-the-notes": {"ms-consistency-models-pacelc", "ms-delivery-semantics-inbox-outbox"},
}


def test_the_shipped_course_has_every_item_of_the_material():
    course = course_read(CONTENT)
    cards = course.cards
    slugs = [card.slug for card in cards]
    assert set(SEED_CARD_IDS) <= set(slugs), set(SEED_CARD_IDS) - set(slugs)
    # the seed, the notes' "how to explain it in an interview" framing, and the cards beyond
    assert len(cards) == 48 + 1 + 4
    assert "js-explaining-async-styles" in slugs
    beyond = {le.slug: {c.slug for c in le.cards} for le in course.lessons if "beyond" in le.slug}
    assert beyond == BEYOND_THE_NOTES
    for lesson in course.lessons:
        if lesson.slug in BEYOND_THE_NOTES:
            assert lesson.title.startswith("Beyond the notes"), lesson.slug
            assert '!!! note "Beyond the notes"' in lesson.intro_md, lesson.slug
    kinds = [card.kind for card in cards]
    assert kinds.count("scenario") == 3
    assert kinds.count("qa") == 30 + 2
    assert kinds.count("trick") == 15 + 3
    titles = {track.slug: track.title for track in course.tracks}
    assert titles == {
        "javascript-async": "JavaScript async patterns",
        "microservices-fundamentals": "Microservices fundamentals",
        "microservices-trick-questions": "Microservices trick questions",
    }
    fundamentals = [
        lesson
        for lesson in course.lessons
        if lesson.track_slug == "microservices-fundamentals" and lesson.slug not in BEYOND_THE_NOTES
    ]
    assert len(fundamentals) == 7, "one lesson per section of the material"
    for card in cards:
        assert 3 <= len(card.key_points) <= 6, card.slug
        assert all(key_point_problem(point) is None for point in card.key_points), card.slug
        assert card.follow_ups, f"card {card.slug} needs follow-ups"
        if card.kind == "trick":
            assert card.pitfall_md, f"trick card {card.slug} needs a pitfall"


@pytest.mark.django_db
def test_import_command_reports_a_summary_and_a_second_run_changes_nothing(capsys):
    call_command("import_content")
    first = capsys.readouterr().out.strip().splitlines()[-1]
    assert first.startswith("created ")
    assert Card.objects.live().count() == 53
    assert Card.objects.live().filter(slug__in=SEED_CARD_IDS).count() == 48
    call_command("import_content")
    second = capsys.readouterr().out.strip().splitlines()[-1]
    assert second.startswith("created 0, updated 0, retired 0, unchanged ")


@pytest.mark.django_db
def test_code_is_highlighted_on_the_server_and_html_is_stored(tree):
    content_import(root=tree)
    card = Card.objects.get(slug="demo-first")
    assert '<div class="highlight">' in card.answer_html
    assert '<span class="nb">print</span>' in card.answer_html
    assert "<strong>first</strong>" in card.answer_html


@pytest.mark.django_db
def test_scripts_and_event_handlers_are_stripped(tree):
    lesson = tree / "demo" / "01-lesson.md"
    lesson.write_text(
        LESSON.replace(
            "Yes.",
            'Yes <script>alert(1)</script><img src=x onerror="alert(2)"> [x](javascript:alert(3))',
        )
    )
    content_import(root=tree)
    html = Card.objects.get(slug="demo-second").answer_html
    assert "<script" not in html
    assert "onerror" not in html
    assert "javascript:" not in html


@pytest.mark.django_db
def test_editing_a_card_updates_it_in_place(tree):
    content_import(root=tree)
    card = Card.objects.get(slug="demo-first")
    lesson = tree / "demo" / "01-lesson.md"
    lesson.write_text(LESSON.replace("The **first** answer.", "A better first answer."))
    summary = content_import(root=tree)
    assert (summary.created, summary.updated, summary.retired) == (0, 1, 0)
    card.refresh_from_db()
    assert "better first answer" in card.answer_html
    assert Card.objects.get(slug="demo-first").pk == card.pk


@pytest.mark.django_db
def test_removed_cards_are_retired_not_deleted_and_come_back(tree):
    content_import(root=tree)
    pk = Card.objects.get(slug="demo-second").pk
    lesson = tree / "demo" / "01-lesson.md"
    lesson.write_text(LESSON.split("+++\nid: demo-second")[0])
    summary = content_import(root=tree)
    assert summary.retired == 1
    card = Card.objects.get(pk=pk)
    assert card.is_retired
    assert not Card.objects.live().filter(pk=pk).exists()
    lesson.write_text(LESSON)
    summary = content_import(root=tree)
    assert summary.updated == 1
    assert Card.objects.live().filter(pk=pk).exists()


@pytest.mark.django_db
def test_check_validates_without_writing(tree, capsys):
    call_command("import_content", "--check", "--root", str(tree))
    out = capsys.readouterr().out
    assert "content is valid: 1 tracks, 1 lessons, 2 cards, 0 exercises" in out
    assert "created 4" in out
    assert not Track.objects.exists()
    assert not Card.objects.exists()


BROKEN = [
    (
        "broken yaml",
        lambda t: t.replace("kind: qa", "kind: [qa"),
        "01-lesson.md",
        "card: invalid YAML",
    ),
    (
        "missing field",
        lambda t: t.replace("question: What is first?\n", ""),
        "01-lesson.md",
        "card demo-first.question: is required",
    ),
    (
        "unknown field",
        lambda t: t.replace("kind: qa", "kind: qa\ndifficulty: 3"),
        "01-lesson.md",
        "card demo-first.difficulty: unknown field",
    ),
    (
        "wrong kind",
        lambda t: t.replace("kind: qa", "kind: quiz"),
        "01-lesson.md",
        "card demo-first.kind: must be one of scenario, qa, trick",
    ),
    (
        "duplicate id",
        lambda t: t.replace("id: demo-second", "id: demo-first"),
        "01-lesson.md",
        "card.id: duplicate id 'demo-first'",
    ),
    (
        "too few key points",
        lambda t: t.replace("key_points: [a, b, c]", "key_points: [a]"),
        "01-lesson.md",
        "card demo-second.key_points: must have 3 to 6 items",
    ),
    (
        "key point joining two claims",
        lambda t: t.replace("key_points: [a, b, c]", 'key_points: ["a; and b", b, c]'),
        "01-lesson.md",
        "card demo-second.key_points: item 1 ('a; and b') joins several claims with ';'",
    ),
    (
        "key point too long",
        lambda t: t.replace("key_points: [a, b, c]", f"key_points: [a, b, {'c' * 81}]"),
        "01-lesson.md",
        "card demo-second.key_points: item 3 ('ccc",
    ),
    ("unclosed card", lambda t: t + "\n+++\nid: demo-third\n", "01-lesson.md", "is never closed"),
    (
        "no front matter",
        lambda t: t.replace("---\nid: demo-lesson", "id: demo-lesson", 1),
        "01-lesson.md",
        "front matter: the file must start with a line '---'",
    ),
    (
        "empty answer",
        lambda t: t.replace("Yes.\n", ""),
        "01-lesson.md",
        "card demo-second.answer: the answer",
    ),
]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("case", "mutate", "filename", "expected"), BROKEN, ids=[b[0] for b in BROKEN]
)
def test_bad_input_names_the_file_and_field_and_writes_nothing(
    tree, case, mutate, filename, expected
):
    content_import(root=tree)
    before = list(Card.objects.values_list("slug", "answer_md", "is_retired"))
    lesson = tree / "demo" / "01-lesson.md"
    lesson.write_text(mutate(LESSON).replace("The **first** answer.", "Changed."))
    with pytest.raises(CommandError) as excinfo:
        call_command("import_content", "--root", str(tree))
    message = str(excinfo.value)
    assert f"content/demo/{filename}" in message
    assert expected in message
    assert list(Card.objects.values_list("slug", "answer_md", "is_retired")) == before


def test_a_key_point_of_exactly_the_cap_is_accepted_and_one_more_is_not(tree):
    lesson = tree / "demo" / "01-lesson.md"
    at_cap = "x" * KEY_POINT_MAX_CHARS
    lesson.write_text(LESSON.replace("key_points: [a, b, c]", f"key_points: [a, b, {at_cap}]"))
    assert course_read(tree).cards[1].key_points[2] == at_cap
    lesson.write_text(LESSON.replace("key_points: [a, b, c]", f"key_points: [a, b, {at_cap}y]"))
    expected = f"is {KEY_POINT_MAX_CHARS + 1} characters long; keep each to {KEY_POINT_MAX_CHARS}"
    assert any(expected in problem for problem in problems_of(tree))


def test_the_admin_forms_apply_the_loaders_bounds_and_rules():
    from apps.content.admin import forms as admin

    form = admin.CardForm()
    assert form.fields["key_points"].bounds == KEY_POINTS
    assert form.fields["key_points"].line_rule is key_point_problem
    assert form.fields["follow_ups"].bounds == FOLLOW_UPS


def make_exercise(root: Path, slug: str = "demo-exercise", **overrides) -> Path:
    folder = root / "exercises" / slug
    (folder / "wrong").mkdir(parents=True)
    front = {
        "id": slug,
        "title": "Demo exercise",
        "language": "python",
        "cards": "[demo-first]",
        "order": 1,
        "hints": "[Which operation combines two numbers, Think about the sign of the result]",
        "mistakes": "{subtracts.py: {title: Subtracts, explanation: Adding is not taking away.}}",
    } | overrides
    header = "\n".join(f"{key}: {value}" for key, value in front.items())
    (folder / "exercise.md").write_text(f"---\n{header}\n---\nWrite `add`.\n")
    (folder / "starter.py").write_text("def add(a, b):\n    pass\n")
    (folder / "example_test.py").write_text("")
    (folder / "tests.py").write_text("")
    (folder / "solution.py").write_text("def add(a, b):\n    return a + b\n")
    (folder / "wrong" / "subtracts.py").write_text("# Mistake\ndef add(a, b):\n    return a - b\n")
    return folder


@pytest.mark.django_db
def test_exercises_are_imported_with_their_files_and_cards(tree):
    make_exercise(tree)
    content_import(root=tree)
    exercise = Exercise.objects.get(slug="demo-exercise")
    assert exercise.solution_code.startswith("def add")
    assert list(exercise.wrong_solutions) == ["subtracts.py"]
    assert exercise.primary_card.slug == "demo-first"
    assert exercise.alternative_solutions == {}


@pytest.mark.django_db
def test_an_exercises_alternative_solutions_are_imported_and_exported_back(tree):
    folder = make_exercise(tree)
    (folder / "alternatives").mkdir()
    alternative = "# Alternative: sum of a list\ndef add(a, b):\n    return sum([a, b])\n"
    (folder / "alternatives" / "sum-of-list.py").write_text(alternative)
    content_import(root=tree)
    exercise = Exercise.objects.get(slug="demo-exercise")
    assert exercise.alternative_solutions == {"sum-of-list.py": alternative}
    out = tree.parent / "exported"
    content_export(root=out)
    exported = out / "exercises" / "demo-exercise" / "alternatives" / "sum-of-list.py"
    assert exported.read_text() == alternative


@pytest.mark.parametrize(
    ("break_it", "expected"),
    [
        (
            lambda f: (f / "tests.py").unlink(),
            "content/exercises/demo-exercise/tests.py: file: missing",
        ),
        (lambda f: (f / "wrong" / "subtracts.py").unlink(), "wrong: missing"),
        (
            lambda f: (f / "exercise.md").write_text(
                (f / "exercise.md").read_text().replace("[demo-first]", "[no-such-card]")
            ),
            "exercise.cards: unknown card id 'no-such-card'",
        ),
        (
            lambda f: (f / "exercise.md").write_text(
                (f / "exercise.md").read_text().replace("python", "cobol")
            ),
            "exercise.language: must be one of javascript, python",
        ),
    ],
    ids=["missing tests", "no wrong solution", "unknown card", "unknown language"],
)
def test_a_broken_exercise_folder_is_reported(tree, break_it, expected):
    folder = make_exercise(tree)
    break_it(folder)
    assert any(expected in problem for problem in problems_of(tree))


@pytest.mark.django_db
def test_a_card_moved_to_another_lesson_keeps_its_row(tree):
    content_import(root=tree)
    pk = Card.objects.get(slug="demo-second").pk
    first, second = LESSON.split("+++\nid: demo-second")
    (tree / "demo" / "01-lesson.md").write_text(first)
    other = second.replace("", "", 0)
    (tree / "demo" / "02-other.md").write_text(
        "---\nid: demo-other\ntitle: Other\norder: 2\n---\n\n+++\nid: demo-second" + other
    )
    content_import(root=tree)
    card = Card.objects.get(slug="demo-second")
    assert card.pk == pk
    assert card.lesson.slug == "demo-other"
    assert not card.is_retired
    assert Lesson.objects.get(slug="demo-other").cards.count() == 1


def test_the_shipped_content_folder_has_no_stray_files():
    for path in CONTENT.rglob("*"):
        if path.is_file() and "exercises" not in path.parts:
            assert path.suffix == ".md", f"unexpected file {path}"


@pytest.mark.parametrize(
    ("limits", "expected"),
    [
        ("{memory_mb: 25600}", "exercise.limits: limit memory_mb=25600 is outside"),
        ("{wall_secs: 3}", "exercise.limits.wall_secs: unknown limit"),
        ("[1, 2]", "exercise.limits: must be a mapping"),
    ],
)
def test_exercise_limits_are_checked_against_the_sandbox(tree, limits, expected):
    make_exercise(tree, limits=limits)
    assert any(expected in problem for problem in problems_of(tree))


@pytest.mark.django_db
def test_exercise_limits_accept_every_sandbox_limit(tree):
    make_exercise(tree, limits="{test_timeout_seconds: 20, allow_tmp_read: true, tmp_mb: 96}")
    content_import(root=tree)
    assert Exercise.objects.get().limits["test_timeout_seconds"] == 20


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"hints": "[Only one]"}, "exercise.hints: must have 2 to 4 items, has 1"),
        ({"hints": "[a, b, c, d, e]"}, "exercise.hints: must have 2 to 4 items, has 5"),
        ({"hints": "'not a list'"}, "exercise.hints: must be a list of non-empty strings"),
        (
            {"hints": '["Think.", "Use ```return a + b```"]'},
            "exercise.hints: hint 2 must not contain a code block",
        ),
        ({"mistakes": "[1]"}, "exercise.mistakes: must map each wrong/ file name to its mistake"),
        (
            {"mistakes": "{subtracts.py: {title: Subtracts}}"},
            "exercise.mistakes.subtracts.py.explanation: is required",
        ),
        (
            {"mistakes": "{subtracts.py: {title: S, explanation: E, extra: X}}"},
            "exercise.mistakes.subtracts.py.extra: unknown field",
        ),
        (
            {"mistakes": "{subtracts.py: {title: S, explanation: E}, gone.py: {title: G, "
             "explanation: E}}"},
            "exercise.mistakes.gone.py: 'gone.py' names no file in wrong/",
        ),
        ({"mistakes": "{}"}, "exercise.mistakes: wrong/subtracts.py has no entry"),
    ],
    ids=[
        "one hint", "five hints", "hints not a list", "code in a hint", "mistakes not a mapping",
        "no explanation", "unknown field", "dangling entry", "a wrong solution without one",
    ],
)  # fmt: skip
def test_hints_and_mistakes_are_validated_with_file_and_field(tree, change, expected):
    make_exercise(tree, **change)
    problems = problems_of(tree)
    assert any(
        problem.startswith("content/exercises/demo-exercise/exercise.md") and expected in problem
        for problem in problems
    ), problems


def test_hints_and_mistakes_are_required(tree):
    folder = make_exercise(tree)
    text = (folder / "exercise.md").read_text()
    kept = [line for line in text.splitlines() if not line.startswith(("hints:", "mistakes:"))]
    (folder / "exercise.md").write_text("\n".join(kept) + "\n")
    problems = problems_of(tree)
    assert any("exercise.hints: is required" in p for p in problems)
    assert any("exercise.mistakes: is required" in p for p in problems)


@pytest.mark.django_db
def test_hints_and_mistakes_are_imported(tree):
    make_exercise(tree)
    content_import(root=tree)
    exercise = Exercise.objects.get(slug="demo-exercise")
    assert exercise.hints == [
        "Which operation combines two numbers",
        "Think about the sign of the result",
    ]
    assert exercise.mistakes == {
        "subtracts.py": {"title": "Subtracts", "explanation": "Adding is not taking away."}
    }


def test_every_shipped_wrong_solution_has_a_mistake_and_every_exercise_hints():
    course = course_read(CONTENT)
    for exercise in course.exercises:
        assert 2 <= len(exercise.hints) <= 4, exercise.slug
        assert set(exercise.mistakes) == set(exercise.wrong_solutions), exercise.slug
