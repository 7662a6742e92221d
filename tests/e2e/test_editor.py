"""The exercise page's code editor (CodeMirror) and "Run examples" in Chromium, with a real Celery
worker grading in the real jail: typing, leaving the editor by keyboard, Ctrl+Enter running the
examples (which are no attempt), the plain editor switch (remembered) and a submission from it."""

import re

import pytest
from playwright.sync_api import expect

from apps.content.models import Exercise
from apps.exercises.models import ExampleRun, Submission
from tests.content_subset import content_subset

pytestmark = [pytest.mark.integration, pytest.mark.sandbox]

EXERCISE = "js-parallel-news"
GRADED = 60_000  # ms


@pytest.fixture
def exercise(transactional_db, tmp_path):
    from apps.content.services import content_import

    content_import(root=content_subset(tmp_path / "content", exercises=[EXERCISE]))
    return Exercise.objects.get(slug=EXERCISE)


@pytest.fixture
def signed_in(page, login, learner, password, grading_stack):
    login(learner.username, password)
    return page


def code_editor(page):
    content = page.locator(".cm-editor .cm-content")
    expect(content).to_be_visible()
    return content


def test_type_leave_by_keyboard_and_ctrl_enter_runs_the_examples(
    signed_in, exercise, learner, screenshot
):
    page = signed_in
    page.goto(exercise.get_absolute_url())
    content = code_editor(page)
    expect(page.locator("#code")).to_be_hidden()
    expect(content).to_have_attribute("aria-label", re.compile(r"submission\.js"))
    expect(page.locator("#editor-hint")).to_contain_text("Esc")

    # Typing reaches the form's textarea; Tab indents inside the editor.
    content.click()
    page.keyboard.press("Control+End")
    page.keyboard.type("\nfunction extra() {")
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    page.keyboard.type("return 1;")
    value = page.locator("#code").input_value()
    assert "function extra() {\n" in value and "return 1;" in value
    assert page.evaluate("document.activeElement.classList.contains('cm-content')")
    screenshot("editor-typing")

    # Escape then Tab leaves the editor for the next control.
    page.keyboard.press("Escape")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent.trim()") == "Run examples"

    # Back in, Ctrl+Enter runs the examples: their table, and no attempt counted.
    content.click()
    page.keyboard.press("Control+Enter")
    expect(page.locator("#results .example-run .state-badge")).to_have_text(
        "Examples: failed", timeout=GRADED
    )
    table = page.locator("#results .test-table")
    expect(table.locator("tbody tr")).to_have_count(1)
    expect(table.locator(".test-kind")).to_have_text("example")
    expect(page.locator("#results")).to_contain_text("not counted as an attempt")
    assert ExampleRun.objects.filter(user=learner, state="failed").count() == 1
    assert not Submission.objects.filter(user=learner).exists()
    expect(page.locator("#history")).to_contain_text("No submissions yet.")
    screenshot("editor-example-run")


def test_a_failing_line_is_marked_in_the_gutter(signed_in, exercise):
    page = signed_in
    page.goto(exercise.get_absolute_url())
    content = code_editor(page)
    content.click()
    page.keyboard.press("Control+a")
    page.keyboard.press("Delete")
    # Line 2 throws when the example test calls it (inserted as one input: no auto-closing).
    page.keyboard.insert_text(
        "async function fetchAllNews() {\n  null.boom;\n}\nmodule.exports = { fetchAllNews };\n"
    )
    page.get_by_role("button", name="Run examples").click()
    expect(page.locator("#results .example-run .state-badge")).to_have_text(
        "Examples: failed", timeout=GRADED
    )
    expect(page.locator("#results tr[data-code-line='2']")).to_have_count(1)
    expect(page.locator(".cm-gutter-lint .cm-lint-marker-error")).to_have_count(1)
    expect(page.locator(".cm-lintRange-error")).to_contain_text("null.boom")
    # By keyboard: F8 moves to the marked line.
    content.click()
    page.keyboard.press("Control+Home")
    page.keyboard.press("F8")
    expect(page.locator(".cm-activeLine")).to_contain_text("null.boom")


def test_the_plain_editor_switch_is_remembered_and_submits(signed_in, exercise, learner):
    page = signed_in
    errors = []
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    page.goto(exercise.get_absolute_url())
    code_editor(page)
    switch = page.get_by_label("Plain editor")
    expect(switch).not_to_be_checked()
    with page.expect_response(re.compile(r"/accounts/preferences/editor/$")):
        switch.check()
    expect(page.locator(".cm-editor")).to_have_count(0)
    textarea = page.locator("#code")
    expect(textarea).to_be_visible()
    learner.refresh_from_db()
    assert learner.plain_editor

    # Remembered: the next visit starts plain, and the plain textarea submits the same form.
    page.reload()
    expect(page.get_by_label("Plain editor")).to_be_checked()
    page.wait_for_load_state("load")
    expect(page.locator(".cm-editor")).to_have_count(0)
    textarea.fill(exercise.solution_code)
    page.get_by_role("button", name="Submit").click()
    expect(page.locator("#results .state-badge")).to_have_text("Passed", timeout=GRADED)
    assert Submission.objects.get(user=learner).code == exercise.solution_code

    # And back: the code editor holds what the textarea held.
    with page.expect_response(re.compile(r"/accounts/preferences/editor/$")):
        page.get_by_label("Plain editor").uncheck()
    expect(code_editor(page)).to_contain_text("fetchAllNews")
    learner.refresh_from_db()
    assert not learner.plain_editor
    assert errors == [], "switching editors logs no console error"


def test_a_visitor_s_choice_is_kept_in_the_browser(page, exercise, live_server):
    page.goto(exercise.get_absolute_url())
    code_editor(page)
    page.get_by_label("Plain editor").check()
    expect(page.locator("#code")).to_be_visible()
    page.reload()
    expect(page.get_by_label("Plain editor")).to_be_checked()
    expect(page.locator(".cm-editor")).to_have_count(0)
    expect(page.locator("#code")).to_be_visible()
