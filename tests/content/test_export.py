"""export_content: the shipped course round-trips byte for byte; an edit made in the admin
survives export and re-import unchanged; the canonical form of every item reads back to the same
data."""

import json
import shutil
from dataclasses import asdict
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from apps.content.exporter import content_export, course_paths_on_disk
from apps.content.loader import course_read
from apps.content.models import Card, Exercise, Lesson, Track
from apps.content.services import content_import
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
CONTENT = Path(settings.CONTENT_DIR)


@pytest.fixture
def tree(tmp_path) -> Path:
    """A copy of the shipped course to edit freely, imported into the database."""
    root = tmp_path / "content"
    shutil.copytree(CONTENT, root, ignore=shutil.ignore_patterns(".*"))
    content_import(root=root)
    return root


@pytest.fixture
def admin(client, db, password):
    client.force_login(UserFactory(username="editor", password=password, superuser=True))
    return client


def snapshot(root: Path) -> dict[str, bytes]:
    return {path: (root / path).read_bytes() for path in sorted(course_paths_on_disk(root))}


def data_of(root: Path) -> dict:
    """Everything the loader reads, minus where it was read from."""
    course = course_read(root)

    def clean(item) -> dict:
        values = asdict(item)
        values.pop("source_text", None)
        values.pop("source_path", None)
        for card in values.get("cards", []) if isinstance(values.get("cards"), list) else []:
            card.pop("source_text", None)
        return values

    return {
        "tracks": [clean(t) for t in course.tracks],
        "lessons": [clean(le) for le in course.lessons],
        "exercises": [clean(e) for e in course.exercises],
    }


def test_import_then_export_leaves_every_shipped_file_byte_identical(tmp_path):
    content_import(root=CONTENT)
    out = tmp_path / "out"
    summary = content_export(root=out)
    assert snapshot(out) == snapshot(CONTENT)
    assert summary.extra == [] and summary.unpublished == []
    call_command("export_content", "--check")  # raises if content/ would change


def test_the_canonical_form_of_every_item_reads_back_to_the_same_data(tree, tmp_path):
    for model in (Track, Lesson, Card, Exercise):
        model.objects.update(source_text="")  # as if every item had been edited
    out = tmp_path / "canonical"
    content_export(root=out)
    assert data_of(out) == data_of(tree)


def card_form(card: Card, **changes) -> dict:
    data = {
        "lesson": card.lesson_id,
        "kind": card.kind,
        "order": card.order,
        "question_md": card.question_md,
        "answer_md": card.answer_md,
        "key_points": "\n".join(card.key_points),
        "follow_ups": "\n".join(card.follow_ups),
        "pitfall_md": card.pitfall_md,
        "_save": "Save",
    }
    data.update(changes)
    return data


def test_an_admin_edit_survives_export_and_reimport_unchanged(tree, admin):
    before = snapshot(tree)
    card = Card.objects.exclude(pitfall_md="").select_related("lesson").first()
    answer = 'Edited in the admin: "quotes", `code`, a list:\n\n- one\n- two: three\n\nDone.'
    response = admin.post(
        reverse("admin:content_card_change", args=[card.pk]),
        card_form(
            card,
            question_md="yes",  # YAML would read a bare yes as true
            answer_md=answer,
            key_points="first: with a colon\n- dash first\n'quoted'\n#hash",
            pitfall_md="Line one.\n\n  indented line",
        ),
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    edited = Card.objects.get(pk=card.pk)

    summary = content_export(root=tree)
    lesson_file = str(Path(card.lesson.source_path).relative_to("content"))
    assert summary.changed == [lesson_file]
    after = snapshot(tree)
    assert {path for path in after if after[path] != before[path]} == {lesson_file}

    result = content_import(root=tree)
    assert (result.created, result.updated, result.retired) == (0, 1, 0)
    again = Card.objects.get(pk=card.pk)
    for name in ("question_md", "answer_md", "key_points", "pitfall_md", "follow_ups", "order"):
        assert getattr(again, name) == getattr(edited, name), name
    assert again.key_points == ["first: with a colon", "- dash first", "'quoted'", "#hash"]
    assert again.question_md == "yes"
    assert content_export(root=tree, check=True).changed == []  # stable from now on


def test_an_edited_exercise_keeps_its_exercise_md_when_only_code_changed(tree, admin):
    exercise = Exercise.objects.order_by("slug").first()
    link = exercise.card_links.order_by("position").first()
    hidden = exercise.hidden_tests + "\n// one more comment\n"
    data = {
        "title": exercise.title,
        "language": exercise.language,
        "order": exercise.order,
        "prompt_md": exercise.prompt_md,
        "interview_angle_md": exercise.interview_angle_md,
        "starter_code": exercise.starter_code,
        "example_tests": exercise.example_tests,
        "hidden_tests": hidden,
        "solution_code": exercise.solution_code,
        "wrong_solutions": json.dumps(exercise.wrong_solutions),
        "hints": "\n\n".join(exercise.hints),
        "mistakes": json.dumps(exercise.mistakes),
        "limits": json.dumps(exercise.limits),
        "card_links-TOTAL_FORMS": str(exercise.card_links.count()),
        "card_links-INITIAL_FORMS": str(exercise.card_links.count()),
        "card_links-MIN_NUM_FORMS": "0",
        "card_links-MAX_NUM_FORMS": "1000",
        "_save": "Save",
    }
    for index, each in enumerate(exercise.card_links.order_by("position")):
        data.update(
            {
                f"card_links-{index}-id": each.pk,
                f"card_links-{index}-exercise": exercise.pk,
                f"card_links-{index}-card": each.card_id,
                f"card_links-{index}-position": each.position,
            }
        )
    assert link is not None
    response = admin.post(reverse("admin:content_exercise_change", args=[exercise.pk]), data)
    assert response.status_code == 302, response.content.decode()[:3000]

    folder = str(Path(exercise.source_path).relative_to("content"))
    ext = exercise.extension
    assert content_export(root=tree).changed == [f"{folder}/tests.{ext}"]
    assert (tree / folder / f"tests.{ext}").read_text() == hidden
    content_import(root=tree)
    assert Exercise.objects.get(pk=exercise.pk).hidden_tests == hidden


def test_new_items_are_written_where_the_layout_says(tree):
    from apps.content import services

    lesson = Lesson.objects.select_related("track").order_by("pk").first()
    card = Card(
        slug="brand-new-card",
        lesson=lesson,
        kind="qa",
        question_md="New?",
        answer_md="Yes, new.",
        key_points=["a", "b", "c"],
        order=99,
    )
    services.card_render(card=card)
    card.save()
    track = Track(slug="new-track", title="New track", order=9, intro_md="Hello.")
    services.track_render(track=track)
    track.save()
    new_lesson = Lesson(slug="new-lesson", track=track, title="New lesson", order=1)
    new_lesson.save()
    Card.objects.create(
        slug="new-lesson-card",
        lesson=new_lesson,
        kind="trick",
        question_md="Trick?",
        question_html="",
        answer_md="No.",
        answer_html="",
        key_points=["x", "y", "z"],
        pitfall_md="Saying yes.",
        order=1,
    )
    summary = content_export(root=tree)
    assert "new-track/track.md" in summary.changed
    assert "new-track/01-new-lesson.md" in summary.changed
    content_import(root=tree)
    assert Card.objects.get(slug="brand-new-card").lesson == lesson
    assert Card.objects.get(slug="new-lesson-card").pitfall_md == "Saying yes."
    assert Track.objects.get(slug="new-track").intro_md == "Hello."


def test_retired_items_leave_the_files_and_prune_deletes_them(tree, capsys):
    card = (
        Card.objects.exclude(lesson__track__slug="javascript-async")
        .select_related("lesson")
        .order_by("pk")
        .first()
    )
    Card.objects.filter(pk=card.pk).update(is_retired=True)
    track = Track.objects.get(slug="javascript-async")
    Track.objects.filter(pk=track.pk).update(is_retired=True)

    summary = content_export(root=tree)
    lesson_file = tree / Path(card.lesson.source_path).relative_to("content")
    assert f"id: {card.slug}\n" not in lesson_file.read_text()
    assert "javascript-async/track.md" in summary.extra
    with pytest.raises(CommandError):
        call_command("export_content", "--root", str(tree), "--check")
    assert "not in the database: javascript-async/track.md" in capsys.readouterr().out

    call_command("export_content", "--root", str(tree), "--prune")
    assert not (tree / "javascript-async" / "track.md").exists()
    call_command("export_content", "--root", str(tree), "--check")


def test_a_reformatted_file_changes_no_data_but_exports_as_now_written(tree):
    path = tree / "javascript-async" / "track.md"
    text = path.read_text()
    path.write_text(text.replace("order: 1\n", "order:    1\n", 1))
    result = content_import(root=tree)
    assert (result.updated, result.created) == (0, 0)
    assert Track.objects.get(slug="javascript-async").source_text == path.read_text()
    assert content_export(root=tree, check=True).changed == []


def test_edited_hints_and_mistakes_survive_export_and_reimport(tree):
    exercise = Exercise.objects.order_by("slug").first()
    name = sorted(exercise.mistakes)[0]
    hints = ["Which part: the *first* one?", "Then: think about 'quotes' and #hashes."]
    mistakes = {
        **exercise.mistakes,
        name: {"title": "Edited: a title", "explanation": "Line one, with: a colon."},
    }
    Exercise.objects.filter(pk=exercise.pk).update(hints=hints, mistakes=mistakes)

    folder = str(Path(exercise.source_path).relative_to("content"))
    assert content_export(root=tree).changed == [f"{folder}/exercise.md"]
    content_import(root=tree)
    again = Exercise.objects.get(pk=exercise.pk)
    assert again.hints == hints
    assert again.mistakes == mistakes
    assert again.prompt_md == exercise.prompt_md
    assert content_export(root=tree, check=True).changed == []  # stable from now on
