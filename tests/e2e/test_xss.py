"""XSS in Chromium: payloads in a learner's code, in what the code printed, in display names and
in a cohort's name never run and never become elements, on the exercise page (editor, results,
the htmx status partial) and on the instructor's cohort dashboard and submission page.

Every payload would set `window.__xss`; the page's own scripts never do.
"""

from playwright.sync_api import expect

from apps.accounts.models import User
from apps.cohorts.models import Cohort
from tests.security.inert import PAYLOADS
from tests.security.world import PASSWORD, hostile_submissions, world_build

CODE = "</textarea><script>window.__xss=1</script>\nmodule.exports = {};\n"

# Elements only a payload would create (the portal's scripts all have a src).
PAYLOAD_ELEMENTS = (
    "script:not([src]), img[src='x'], svg[onload], iframe[srcdoc], details[ontoggle], "
    "[onerror], [onload], a[href^='javascript:']"
)


def _assert_nothing_ran(page, where: str) -> None:
    page.wait_for_load_state("load")
    assert page.evaluate("window.__xss") is None, f"{where}: a payload ran"
    found = page.evaluate(
        "(selector) => Array.from(document.querySelectorAll(selector))"
        ".filter(el => el.outerHTML.includes('__xss')).map(el => el.outerHTML)",
        PAYLOAD_ELEMENTS,
    )
    assert not found, f"{where}: elements from a payload: {found}"


def _hostile_world():
    world = world_build()
    User.objects.filter(pk=world.learner.pk).update(display_name=PAYLOADS[1])
    User.objects.filter(pk=world.instructor.pk).update(display_name=PAYLOADS[0])
    Cohort.objects.filter(pk=world.cohort.pk).update(name=PAYLOADS[2])
    failed, errored = hostile_submissions(world, code=CODE, test_name=PAYLOADS[3])
    return world, failed, errored


def test_payloads_never_run_on_the_exercise_page_or_the_cohort_dashboard(
    page, transactional_db, login, screenshot
):
    world, failed, errored = _hostile_world()
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))

    login("ada", PASSWORD)
    exercise = world.exercise.get_absolute_url()
    page.goto(f"{exercise}?submission={failed.pk}")
    expect(page.locator(".test-message").first).to_contain_text("<script>window.__xss=1</script>")
    # The editor holds the code exactly as submitted, </textarea> included.
    assert page.locator("#code").input_value().startswith(CODE.splitlines()[0])
    # ...and so does the code editor mounted over it, as text.
    expect(page.locator(".cm-content")).to_contain_text(CODE.splitlines()[0])
    expect(page.locator(".who")).to_have_text(PAYLOADS[1])
    _assert_nothing_ran(page, "exercise page, failed run")
    screenshot("xss-exercise")

    page.goto(f"{exercise}?submission={errored.pk}")
    expect(page.locator(".run-output")).to_contain_text("<svg onload=window.__xss=1>")
    _assert_nothing_ran(page, "exercise page, error run")

    # The status partial, swapped in by htmx as the page polls a run.
    page.evaluate(
        "(url) => htmx.ajax('GET', url, {target: '#results', swap: 'innerHTML'})",
        f"/exercises/submissions/{failed.pk}/",
    )
    expect(page.locator("#history")).to_be_visible()
    _assert_nothing_ran(page, "the htmx status partial")

    page.context.clear_cookies()
    login("ines", PASSWORD)
    page.goto(world.cohort.get_absolute_url())
    expect(page.get_by_role("heading", level=1)).to_have_text(PAYLOADS[2])
    expect(page.locator("th[scope=row].heat-learner")).to_contain_text(PAYLOADS[1])
    _assert_nothing_ran(page, "the cohort dashboard")
    screenshot("xss-cohort-dashboard")

    page.goto(f"/cohorts/{world.cohort.pk}/learners/{world.learner.pk}/submissions/{failed.pk}/")
    expect(page.locator(".highlight")).to_contain_text("</textarea><script>")
    _assert_nothing_ran(page, "the instructor's view of the run")

    assert not dialogs, f"a payload opened a dialog: {dialogs}"
