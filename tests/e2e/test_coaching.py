"""A stuck learner in Chromium: takes a hint, submits a classic mistake and reads its name
above the results table, with a real Celery worker grading in the real jail."""

import pytest
from playwright.sync_api import expect

from apps.content.models import Exercise
from tests.content_subset import content_subset

pytestmark = [pytest.mark.integration, pytest.mark.sandbox]

EXERCISE = "js-parallel-news"
MISTAKE = "promise-all.js"
GRADED = 60_000  # ms


@pytest.fixture
def exercise(transactional_db, tmp_path):
    from apps.content.services import content_import
    from apps.exercises import proving

    content_import(root=content_subset(tmp_path / "content", exercises=[EXERCISE]))
    exercise = Exercise.objects.get(slug=EXERCISE)
    proving.exercise_fingerprints_fill(exercise_id=exercise.pk)  # what a starting worker does
    exercise.refresh_from_db()
    assert MISTAKE in exercise.fingerprints
    return exercise


def replace_code(page, code: str) -> None:
    content = page.locator(".cm-editor .cm-content")
    content.click()
    page.keyboard.press("Control+a")
    page.keyboard.insert_text(code)


def test_take_a_hint_then_a_known_mistake_is_named(
    page, login, learner, password, grading_stack, exercise, screenshot
):
    login(learner.username, password)
    page.goto(exercise.get_absolute_url())
    hints = page.locator("#hints")
    expect(hints).to_contain_text("Help lowers the review")
    page.evaluate("window.__marker = 'same page'")
    page.get_by_role("button", name="Show a hint (1 of 4)").click()
    expect(hints.locator(".hint")).to_have_count(1)
    expect(hints.locator(".hint").first).to_contain_text(exercise.hints[0][:40])
    expect(page.get_by_role("button", name="Show a hint (2 of 4)")).to_be_visible()
    assert page.evaluate("window.__marker") == "same page", "htmx swapped the hints in place"
    screenshot("exercise-hint")

    replace_code(page, exercise.wrong_solutions[MISTAKE])
    page.get_by_role("button", name="Submit").click()
    expect(page.locator("#results .state-badge")).to_have_text("Failed", timeout=GRADED)
    diagnosis = page.locator("#results .diagnosis")
    title = exercise.mistakes[MISTAKE]["title"]
    expect(diagnosis).to_contain_text(f"This looks like a known mistake: {title}")
    expect(diagnosis).to_contain_text(exercise.mistakes[MISTAKE]["explanation"][:40])
    box, table = diagnosis.bounding_box(), page.locator(".test-table").bounding_box()
    assert box["y"] < table["y"], "the diagnosis comes before the table"
    screenshot("exercise-diagnosis")
