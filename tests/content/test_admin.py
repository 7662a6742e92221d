"""Editing the course in the admin: the live preview through the loader's render-and-sanitise
service, the loader's rules as inline field errors, the edit history, and the background check
that holds back an exercise until its reference passes and its wrong solutions fail."""

import re

import pytest
from django.urls import reverse

from apps.content import check_requests
from apps.content.models import Card, ContentEdit, Exercise
from apps.content.selectors import content_generation
from apps.exercises import proving
from tests.factories import CardFactory, ExerciseFactory, LessonFactory, UserFactory

pytestmark = pytest.mark.django_db
PREVIEW = reverse("admin:content_markdown_preview")


@pytest.fixture
def staff(db, password):
    return UserFactory(username="editor", password=password, superuser=True)


@pytest.fixture
def admin(client, staff):
    client.force_login(staff)
    return client


@pytest.fixture
def card(db):
    lesson = LessonFactory(slug="basics", title="Basics")
    return CardFactory(
        lesson=lesson,
        slug="b1",
        question_md="What is **1**?",
        answer_md="One.",
        key_points=["one", "two", "three"],
        follow_ups=["And two?"],
    )


def card_post(card, **changes) -> dict:
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


def change_url(obj) -> str:
    return reverse(f"admin:content_{obj._meta.model_name}_change", args=[obj.pk])


# Preview


def test_the_preview_renders_and_sanitises_like_the_loader(admin):
    text = "Use `await`.\n\n<script>alert(1)</script>\n\n```python\nprint('hi')\n```"
    response = admin.post(f"{PREVIEW}?field=answer_md", {"answer_md": text})
    html = response.content.decode()
    assert response.status_code == 200
    assert "<code>await</code>" in html
    assert "<script" not in html
    assert 'class="highlight"' in html


def test_the_preview_is_for_staff_only_and_by_post(client, learner, admin):
    assert admin.get(f"{PREVIEW}?field=x").status_code == 405
    assert admin.post(f"{PREVIEW}?field=missing", {}).status_code == 400
    client.force_login(learner)
    response = client.post(f"{PREVIEW}?field=answer_md", {"answer_md": "x"})
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_the_change_page_shows_each_markdown_field_with_its_live_preview(admin, card):
    html = admin.get(change_url(card)).content.decode()
    assert 'id="id_answer_md-preview"' in html
    assert f'hx-post="{PREVIEW}?field=answer_md"' in html
    assert 'hx-params="answer_md,csrfmiddlewaretoken"' in html
    preview = '<div class="md-preview" id="id_question_md-preview" aria-live="polite">'
    assert preview + "<p>What is <strong>1</strong>?</p>" in html
    assert "htmx" in html and "css/admin_content.css" in html
    assert "<script>" not in html.split("</head>")[1].replace("<script src=", "")


# Saving a card


def test_saving_a_card_renders_it_records_the_edit_and_refreshes_pages(admin, card, staff):
    generation = content_generation()
    response = admin.post(
        change_url(card),
        card_post(
            card,
            answer_md="Exactly **one**.\r\n\r\nNot two.",
            key_points="one\ntwo\nthree\nfour",
        ),
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    card.refresh_from_db()
    assert card.answer_md == "Exactly **one**.\n\nNot two."
    assert card.answer_html == "<p>Exactly <strong>one</strong>.</p>\n<p>Not two.</p>"
    assert card.key_points == ["one", "two", "three", "four"]
    assert card.key_points_text == "one\ntwo\nthree\nfour"
    assert content_generation() > generation

    edit = ContentEdit.objects.get()
    assert (edit.kind, edit.slug, edit.user, edit.created) == ("card", "b1", staff, False)
    assert set(edit.changes) == {"answer_md", "key_points"}
    assert edit.changes["answer_md"] == ["One.", "Exactly **one**.\n\nNot two."]
    history = admin.get(change_url(card)).content.decode()
    assert "editor" in history and "answer_md" in history and "+Not two." in history


def test_a_save_that_changes_nothing_records_nothing(admin, card):
    admin.post(change_url(card), card_post(card))
    assert not ContentEdit.objects.exists()


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"key_points": "only\ntwo"}, "key_points", "Give 3 to 6 lines; there are 2."),
        ({"key_points": "one; two\nthree\nfour"}, "key_points", "Line 1 joins several claims"),
        ({"answer_md": "Yes.\n+++\nid: x"}, "answer_md", "only &#x27;+++&#x27;"),
        ({"question_md": ""}, "question_md", "This field is required."),
    ],
)
def test_the_loaders_rules_show_as_inline_field_errors(admin, card, changes, field, message):
    response = admin.post(change_url(card), card_post(card, **changes))
    html = response.content.decode()
    assert response.status_code == 200
    row = html[html.index(f"field-{field}") :]
    assert message in row[: row.index("</div>\n") + 2000]
    card.refresh_from_db()
    assert card.answer_md == "One." and not ContentEdit.objects.exists()


def test_a_new_card_gets_a_valid_slug_and_a_creation_entry(admin, card):
    data = card_post(card, slug="Bad_Slug")  # a Django slug, not a course id
    assert "Lowercase words" in admin.post(reverse("admin:content_card_add"), data).content.decode()
    response = admin.post(reverse("admin:content_card_add"), card_post(card, slug="b2"))
    assert response.status_code == 302
    created = Card.objects.get(slug="b2")
    assert created.question_html == "<p>What is <strong>1</strong>?</p>"
    assert ContentEdit.objects.get(slug="b2").created is True


def test_slugs_are_read_only_once_saved(admin, card):
    admin.post(change_url(card), {**card_post(card), "slug": "renamed"})
    card.refresh_from_db()
    assert card.slug == "b1"


# Exercises: the background check


@pytest.fixture
def exercise(db):
    exercise = ExerciseFactory(language="javascript")
    Exercise.objects.filter(pk=exercise.pk).update(source_path="content/exercises/add-javascript")
    exercise.refresh_from_db()
    return exercise


@pytest.fixture
def queued(monkeypatch):
    """Checks sent to the broker, as (exercise id, token)."""
    from apps.content.tasks import exercise_check

    sent = []
    monkeypatch.setattr(
        exercise_check, "apply_async", lambda args, **kwargs: sent.append(tuple(args))
    )
    return sent


def exercise_post(exercise, **changes) -> dict:
    import json

    link = exercise.card_links.get()
    data = {
        "title": exercise.title,
        "language": exercise.language,
        "order": exercise.order,
        "prompt_md": exercise.prompt_md,
        "interview_angle_md": exercise.interview_angle_md,
        "starter_code": exercise.starter_code,
        "example_tests": exercise.example_tests,
        "hidden_tests": exercise.hidden_tests,
        "solution_code": exercise.solution_code,
        "wrong_solutions": json.dumps(exercise.wrong_solutions),
        "hints": "\n\n".join(exercise.hints),
        "mistakes": json.dumps(exercise.mistakes),
        "limits": json.dumps(exercise.limits),
        "card_links-TOTAL_FORMS": "1",
        "card_links-INITIAL_FORMS": "1",
        "card_links-MIN_NUM_FORMS": "0",
        "card_links-MAX_NUM_FORMS": "1000",
        "card_links-0-id": link.pk,
        "card_links-0-exercise": exercise.pk,
        "card_links-0-card": link.card_id,
        "card_links-0-position": link.position,
        "_save": "Save",
    }
    data.update(changes)
    return data


def test_changing_an_exercises_code_unpublishes_it_until_the_check_passes(
    admin, exercise, queued, django_capture_on_commit_callbacks, monkeypatch
):
    wrong = exercise.solution_code.replace("a + b", "a * b")
    with django_capture_on_commit_callbacks(execute=True):
        response = admin.post(change_url(exercise), exercise_post(exercise, solution_code=wrong))
    assert response.status_code == 302, response.content.decode()[:3000]
    exercise.refresh_from_db()
    assert (exercise.is_published, exercise.check_status) == (False, "pending")
    assert exercise.solution_code == wrong  # code keeps its final newline
    assert queued == [(exercise.pk, exercise.check_token)]
    assert not Exercise.objects.live().filter(pk=exercise.pk).exists()

    def judge(check):  # the real jail is exercised in the sandbox test below
        ok = not check.must_pass
        return proving.Outcome(check, ok, "fails" if ok else "the reference does not pass")

    monkeypatch.setattr(proving, "judge", judge)
    assert (
        proving.exercise_check_run(exercise_id=exercise.pk, token=exercise.check_token) == "failed"
    )
    exercise.refresh_from_db()
    assert (exercise.is_published, exercise.check_status) == (False, "failed")
    page = admin.get(change_url(exercise)).content.decode()
    assert 'id="check-status">Failed' in page and "the reference does not pass" in page

    fixed = exercise.solution_code.replace("a * b", "a + b")
    with django_capture_on_commit_callbacks(execute=True):
        admin.post(change_url(exercise), exercise_post(exercise, solution_code=fixed))
    exercise.refresh_from_db()
    monkeypatch.setattr(
        proving, "judge", lambda check: proving.Outcome(check, True, "as expected")
    )
    assert (
        proving.exercise_check_run(exercise_id=exercise.pk, token=exercise.check_token) == "passed"
    )
    exercise.refresh_from_db()
    assert (exercise.is_published, exercise.check_status) == (True, "passed")
    assert Exercise.objects.live().filter(pk=exercise.pk).exists()
    assert [e.changes.keys() for e in ContentEdit.objects.filter(kind="exercise")] == [
        {"solution_code"},
        {"solution_code"},
    ]


def test_a_prose_edit_keeps_the_exercise_published_while_it_is_checked(
    admin, exercise, queued, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        admin.post(change_url(exercise), exercise_post(exercise, prompt_md="Add them, *fast*."))
    exercise.refresh_from_db()
    assert (exercise.is_published, exercise.check_status) == (True, "pending")
    assert exercise.prompt_html == "<p>Add them, <em>fast</em>.</p>"
    assert len(queued) == 1


def test_an_older_check_never_overwrites_a_newer_save(exercise, queued, monkeypatch):
    first = check_requests.exercise_check_request(exercise=exercise, unpublish=True)
    check_requests.exercise_check_request(exercise=exercise, unpublish=True)
    monkeypatch.setattr(
        proving, "judge", lambda check: proving.Outcome(check, True, "ok")
    )
    assert proving.exercise_check_run(exercise_id=exercise.pk, token=first) is None
    exercise.refresh_from_db()
    assert exercise.check_status == "pending" and not exercise.is_published


def test_a_jail_that_cannot_be_built_proves_nothing(exercise, queued, monkeypatch):
    token = check_requests.exercise_check_request(exercise=exercise, unpublish=False)
    monkeypatch.setattr(
        proving,
        "judge",
        lambda check: proving.Outcome(
            check, False, "the jail could not be built: no userns", jail_broken=True
        ),
    )
    assert proving.exercise_check_run(exercise_id=exercise.pk, token=token) == "error"
    exercise.refresh_from_db()
    assert exercise.is_published  # unchanged: only a real failure unpublishes


def test_a_failure_whose_text_mentions_the_jail_still_fails(exercise, queued, monkeypatch):
    # The detail quotes a failing test's message, which the graded code can word as it likes:
    # only the typed flag says the jail was broken.
    token = check_requests.exercise_check_request(exercise=exercise, unpublish=False)
    monkeypatch.setattr(
        proving,
        "judge",
        lambda check: proving.Outcome(
            check, False, 'the reference does not pass; "t": the jail could not be built: x'
        ),
    )
    assert proving.exercise_check_run(exercise_id=exercise.pk, token=token) == "failed"
    exercise.refresh_from_db()
    assert not exercise.is_published


def test_a_broker_that_refuses_the_check_is_reported(
    exercise, monkeypatch, django_capture_on_commit_callbacks
):
    from apps.content.tasks import exercise_check

    def refuse(*args, **kwargs):
        raise ConnectionRefusedError("broker down")

    monkeypatch.setattr(exercise_check, "apply_async", refuse)
    with django_capture_on_commit_callbacks(execute=True):
        check_requests.exercise_check_request(exercise=exercise, unpublish=False)
    exercise.refresh_from_db()
    assert exercise.check_status == "error"
    assert "could not be queued" in exercise.check_report[0]["detail"]


def test_invalid_limits_and_wrong_solutions_are_field_errors(admin, exercise, queued):
    response = admin.post(
        change_url(exercise),
        exercise_post(exercise, limits='{"wall_seconds": -1}', wrong_solutions='{"Bad.py": "x"}'),
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert re.search(r"field-limits.*?errorlist", html, re.S)
    assert "ending .js" in html
    assert not queued


@pytest.mark.sandbox
def test_the_check_runs_the_solutions_in_the_real_jail(exercise, queued):
    token = check_requests.exercise_check_request(exercise=exercise, unpublish=True)
    assert proving.exercise_check_run(exercise_id=exercise.pk, token=token) == "passed"
    exercise.refresh_from_db()
    assert exercise.is_published
    labels = {row["label"]: row["ok"] for row in exercise.check_report}
    assert labels == {"solution.js": True, "wrong/prints-pass.js": True, "wrong/subtracts.js": True}


def test_hints_are_edited_with_the_live_preview_and_saved_in_order(admin, exercise, queued):
    html = admin.get(change_url(exercise)).content.decode()
    assert 'id="id_hints-preview"' in html and "?field=hints" in html
    hints = "Think about **which** number comes first.\n\nThen about its sign."
    response = admin.post(change_url(exercise), exercise_post(exercise, hints=hints))
    assert response.status_code == 302
    exercise.refresh_from_db()
    assert exercise.hints == ["Think about **which** number comes first.", "Then about its sign."]
    preview = admin.post(
        reverse("admin:content_markdown_preview") + "?field=hints", {"hints": hints}
    )
    assert "<strong>which</strong>" in preview.content.decode()


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"hints": "Only one hint."}, "Give 2 to 4 hints; there are 1."),
        ({"hints": "One.\n\n```js\nreturn a + b;\n```"}, "must not contain a code block"),
        ({"mistakes": '{"subtracts.js": {"title": "S", "explanation": "E"}}'}, "has no entry"),
        (
            {
                "mistakes": '{"subtracts.js": {"title": "S", "explanation": "E"}, '
                '"prints-pass.js": {"title": "P", "explanation": "E"}, '
                '"gone.js": {"title": "G", "explanation": "E"}}'
            },
            "names no wrong solution",
        ),
    ],
    ids=["one hint", "code in a hint", "a wrong solution without a mistake", "dangling"],
)
def test_invalid_hints_and_mistakes_are_field_errors(admin, exercise, queued, changes, expected):
    response = admin.post(change_url(exercise), exercise_post(exercise, **changes))
    assert response.status_code == 200
    assert expected in response.content.decode()
    assert not queued
