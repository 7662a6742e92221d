"""A learner practises in Chromium: submits failing code, reads the per-test table, fixes the
code and passes, with a real Celery worker grading in the real jail. Also the plain editor's
keyboard behaviour, the page without JavaScript, a phone and dark mode. (The code editor itself:
test_editor.py.)"""

import re

import pytest
from playwright.sync_api import expect

from apps.content.models import Exercise
from apps.exercises.models import Submission
from tests.content_subset import content_subset
from tests.factories import SubmissionFactory, TestResultFactory

pytestmark = [pytest.mark.integration, pytest.mark.sandbox]

EXERCISE = "js-parallel-news"
GRADED = 60_000  # ms: polling every second, grading well under one


@pytest.fixture
def exercise(transactional_db, tmp_path):
    from apps.content.services import content_import

    content_import(root=content_subset(tmp_path / "content", exercises=[EXERCISE]))
    return Exercise.objects.get(slug=EXERCISE)


@pytest.fixture
def signed_in(page, login, learner, password, grading_stack):
    login(learner.username, password)
    return page


def replace_code(page, code: str) -> None:
    """Replace everything in the code editor (CodeMirror) by `code`, as one input."""
    content = page.locator(".cm-editor .cm-content")
    content.click()
    page.keyboard.press("Control+a")
    page.keyboard.insert_text(code)


def test_learner_fails_reads_the_table_fixes_the_code_and_passes(signed_in, exercise, screenshot):
    page = signed_in
    page.goto("/exercises/")
    expect(page.get_by_role("heading", name="Exercises", level=1)).to_be_visible()
    screenshot("exercises-list")
    page.get_by_role("link", name=exercise.title).click()
    expect(page.get_by_role("heading", name=exercise.title, level=1)).to_be_visible()
    expect(page.locator(".cm-editor .cm-content")).to_contain_text("Your code here")
    expect(page.locator("#code")).to_have_value(re.compile(r"Your code here"))
    screenshot("exercise-start")
    page.evaluate("window.__marker = 'same page'")

    # The starter returns nothing: every test fails, and the table says why.
    page.get_by_role("button", name="Submit").click()
    table = page.locator(".test-table")
    expect(table).to_be_visible(timeout=GRADED)
    expect(page.locator("#results .state-badge")).to_have_text("Failed")
    first_row = table.locator("tbody tr").first
    expect(first_row).to_contain_text("combines the articles of every source in source order")
    expect(first_row).to_contain_text("example")
    expect(first_row.locator(".result-badge")).to_have_text("✗ fail")
    expect(first_row.locator(".test-message")).not_to_be_empty()
    expect(table.locator(".test-kind", has_text="hidden").first).to_be_visible()
    expect(page.locator("#history li")).to_have_count(1)
    assert page.evaluate("window.__marker") == "same page", "htmx swapped, no reload"
    screenshot("exercise-failed")

    # Fix it and run again: everything passes and the solution appears.
    replace_code(page, exercise.solution_code)
    assert page.locator("#code").input_value() == exercise.solution_code
    page.get_by_role("button", name="Submit").click()
    expect(page.locator("#results .state-badge")).to_have_text("Passed", timeout=GRADED)
    expect(page.locator("#results .summary")).to_contain_text(re.compile(r"All \d+ tests passed"))
    expect(table.locator(".result-badge", has_text="fail")).to_have_count(0)
    expect(page.get_by_role("heading", name="Reference solution")).to_be_visible()
    expect(page.get_by_role("heading", name="The interview angle")).to_be_visible()
    expect(page.locator("#history li")).to_have_count(2)
    screenshot("exercise-passed")

    states = list(Submission.objects.order_by("pk").values_list("state", flat=True))
    assert states == ["failed", "passed"]


def test_the_plain_editor_keeps_tab_for_indentation_and_esc_tab_leaves_it(
    signed_in, exercise, learner
):
    learner.plain_editor = True
    learner.save(update_fields=["plain_editor"])
    page = signed_in
    page.goto(exercise.get_absolute_url())
    expect(page.get_by_label("Plain editor")).to_be_checked()
    editor = page.locator("#code")
    editor.fill("function f() {")
    editor.press("End")
    editor.press("Enter")
    assert editor.input_value() == "function f() {\n  ", "Enter keeps (and opens) indentation"
    editor.press("Tab")
    assert editor.input_value() == "function f() {\n    "
    assert page.evaluate("document.activeElement.id") == "code", "Tab stayed in the editor"
    editor.press("Shift+Tab")
    assert editor.input_value() == "function f() {\n  "
    expect(page.locator("#editor-hint")).to_contain_text("Esc")
    editor.press("Escape")
    expect(page.locator("#editor-status")).to_have_text("Press Tab to leave the editor.")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent.trim()") == "Run examples"
    expect(page.locator(".cm-editor")).to_have_count(0)

    # Reset to starter, and Ctrl+Z brings the learner's code back.
    page.get_by_role("link", name="Reset to starter").click()
    expect(editor).to_have_value(exercise.starter_code)
    editor.press("Control+z")
    expect(editor).to_have_value("function f() {\n  ")


def test_the_whole_flow_works_without_javascript(
    browser, live_server, exercise, learner, password, grading_stack, screenshot
):
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    context.set_default_timeout(15_000)
    page = context.new_page()
    try:
        page.goto("/accounts/login/")
        page.fill("#id_username", learner.username)
        page.fill("#id_password", password)
        page.click("button[type=submit]")
        page.goto(exercise.get_absolute_url())
        page.locator("#code").fill(exercise.solution_code)
        # "Run examples" is a plain form post too, and its page refreshes until the result.
        page.get_by_role("button", name="Run examples").click()
        expect(page).to_have_url(re.compile(r"\?example_run=\d+#results$"))
        expect(page.locator("#results .state-badge")).to_have_text(
            "Examples: passed", timeout=GRADED
        )
        assert not Submission.objects.exists()
        expect(page.locator("#code")).to_have_value(exercise.solution_code)
        page.get_by_role("button", name="Submit").click()
        expect(page).to_have_url(re.compile(r"\?submission=\d+#results$"))
        # The page refreshes itself (a <meta> refresh inside <noscript>) until the result is in.
        expect(page.locator("#results .summary")).to_contain_text(
            re.compile(r"All \d+ tests passed"), timeout=GRADED
        )
        screenshot("exercise-no-js-passed", target=page)
    finally:
        context.close()


def test_phone_and_dark_mode(browser, live_server, exercise, learner, password, screenshot):
    submission = SubmissionFactory(
        user=learner, exercise=exercise, code=exercise.starter_code, state="failed", wall_ms=61
    )
    TestResultFactory(
        submission=submission,
        position=0, name="combines the articles of every source in source order",
        status="fail", message="expected {...} but fetchAllNews resolved undefined",
        output="debugging output\n" * 3, file="example_test.js", is_example=True,
    )  # fmt: skip
    TestResultFactory(
        submission=submission,
        position=1,
        name="calls every source before returning",
        status="pass",
        file="tests.js",
    )
    for name, options in {
        "exercise-phone": {"viewport": {"width": 390, "height": 844}, "is_mobile": True},
        "exercise-dark": {"viewport": {"width": 1280, "height": 900}, "color_scheme": "dark"},
    }.items():
        context = browser.new_context(base_url=live_server.url, **options)
        page = context.new_page()
        try:
            page.goto("/accounts/login/")
            page.fill("#id_username", learner.username)
            page.fill("#id_password", password)
            page.click("button[type=submit]")
            page.goto(exercise.get_absolute_url())
            expect(page.locator(".test-table")).to_be_visible()
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= options["viewport"]["width"], f"{name}: scrolls sideways ({width}px)"
            screenshot(name, target=page)
        finally:
            context.close()
