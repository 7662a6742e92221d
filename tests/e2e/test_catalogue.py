"""Every exercise of the catalogue is solved once in Chromium, through the real pipeline: the
page, Redis, a Celery worker and the jail. A reference that stopped passing (a harness change, a
runtime upgrade, an edited test) shows up here as a learner would meet it."""

from pathlib import Path

import pytest
from django.conf import settings
from playwright.sync_api import expect

from apps.content.models import Exercise
from apps.exercises.models import Submission

pytestmark = [pytest.mark.integration, pytest.mark.sandbox]

CATALOGUE = sorted(path.name for path in (Path(settings.CONTENT_DIR) / "exercises").iterdir())
GRADED = 90_000  # ms


def test_the_catalogue_has_sixteen_exercises():
    assert len(CATALOGUE) == 16


@pytest.fixture
def learner_page(page, login, learner, password, grading_stack, course_live, settings):
    settings.EXERCISE_SUBMISSIONS_PER_MINUTE = 100  # one learner solves the whole catalogue
    learner.plain_editor = True  # the code editor has its own tests (test_editor.py)
    learner.save(update_fields=["plain_editor"])
    login(learner.username, password)
    return page


def test_every_exercise_is_solved_in_the_browser(learner_page, learner, screenshot):
    page = learner_page
    for slug in CATALOGUE:
        exercise = Exercise.objects.get(slug=slug)
        page.goto(exercise.get_absolute_url())
        page.locator("#code").fill(exercise.solution_code)
        page.get_by_role("button", name="Submit").click()
        expect(page.locator("#results .state-badge"), f"{slug} is graded").to_have_text(
            "Passed", timeout=GRADED
        )
        expect(page.locator("#results .result-badge", has_text="fail")).to_have_count(0)
        expect(page.get_by_role("heading", name="Reference solution")).to_be_visible()
    screenshot("catalogue-last-passed")
    passed = set(
        Submission.objects.filter(user=learner, state=Submission.State.PASSED).values_list(
            "exercise__slug", flat=True
        )
    )
    assert passed == set(CATALOGUE)

    page.goto("/exercises/")
    tiles = page.locator(".exercise-tile")
    in_order = list(Exercise.objects.order_by("order").values_list("title", flat=True))
    for index, title in enumerate(in_order):
        expect(tiles.nth(index), "the list keeps the catalogue's order").to_contain_text(title)
        expect(tiles.nth(index)).to_contain_text("Passed")
    screenshot("catalogue-list-all-passed")
