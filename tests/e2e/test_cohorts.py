"""Cohorts in Chromium: an instructor creates a cohort, a learner signs up through its join link
and studies, and the instructor follows it on the dashboard (heatmap sorted with htmx, drill-down)
and downloads the CSV, which holds what the learner did. Also: the dashboard on a phone, dark."""

import csv
import io
import re

from playwright.sync_api import expect

from apps.cohorts.models import Cohort
from apps.study.models import CardState
from tests.e2e.conftest import SCREENSHOTS
from tests.factories import UserFactory

PASSWORD = "a-long-unusual-passphrase"


def test_an_instructor_follows_a_learner_who_joined_through_the_link(
    page, browser, live_server, course_live, login, screenshot, settings
):
    UserFactory(username="ines", password=PASSWORD, display_name="Ines", instructor=True)
    login("ines", PASSWORD)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Cohorts").click()
    page.fill("#id_name", "Spring interviews")
    page.fill("#id_interview_date", "2030-05-01")
    screenshot("cohorts-index")
    page.get_by_role("button", name="Create cohort").click()
    expect(page.get_by_role("heading", name="Spring interviews", level=1)).to_be_visible()
    expect(page.locator("#stat-learners")).to_have_text("0")
    join_url = page.locator("#join-link").inner_text()
    assert re.fullmatch(rf"{re.escape(live_server.url)}/cohorts/join/[A-Z2-9]{{10}}/", join_url)

    # A newcomer opens the link, signs up from there, comes back and joins.
    learner_context = browser.new_context(base_url=live_server.url)
    learner = learner_context.new_page()
    learner.goto(join_url)
    expect(learner.get_by_role("heading", name="Join “Spring interviews”")).to_be_visible()
    screenshot("cohorts-join-visitor", learner)
    learner.get_by_role("link", name="Sign up to join").click()
    learner.fill("#id_username", "newcomer")
    learner.fill("#id_display_name", "Nora Newcomer")
    learner.fill("#id_password1", PASSWORD)
    learner.fill("#id_password2", PASSWORD)
    learner.click("main button[type=submit]")
    expect(learner).to_have_url(join_url)
    learner.get_by_role("button", name="Join Spring interviews").click()
    expect(learner.locator(".message.success")).to_contain_text("You joined “Spring interviews”")
    expect(learner.locator("#membership-list")).to_contain_text("Spring interviews")
    screenshot("cohorts-joined", learner)

    # They study three cards with the keyboard.
    learner.goto("/study/review/")
    for key in ("4", "3", "1"):
        card_id = learner.locator("#review-session .study-card").get_attribute("id")
        learner.keyboard.press("Space")
        learner.keyboard.press(key)
        expect(learner.locator("#review-session .study-card")).not_to_have_id(card_id)
    learner_context.close()

    # The instructor sees them on the dashboard (the join made the stored figures stale).
    page.reload()
    expect(page.locator("#stat-learners")).to_have_text("1")
    expect(page.locator("#stat-reviews")).to_have_text("3")
    expect(page.locator("#stat-active")).to_have_text("1")
    row = page.locator("table.heatmap tbody tr").filter(has_text="Nora Newcomer")
    expect(row).to_have_count(1)
    expect(row.locator("td.heat-overall")).to_contain_text("0%")  # seen, nothing mastered yet
    screenshot("cohorts-dashboard")

    # Sort by the first lesson's figure: an htmx swap of the heatmap, the URL follows.
    page.evaluate("window.__marker = 'same page'")
    page.get_by_role("link", name="learned", exact=True).click()
    expect(page).to_have_url(re.compile(r"metric=learned"))
    # A person reads before the next key press; wait until htmx has settled the swapped table
    # (a link pressed mid-swap is followed as a plain link, which works but reloads the page).
    # A locator, not wait_for_function: a string predicate is eval'd in the page, which the
    # CSP (no 'unsafe-eval') refuses whenever the first check is false and Playwright polls.
    expect(page.locator(".htmx-request, .htmx-swapping, .htmx-settling")).to_have_count(0)
    first_lesson = page.locator("th.heat-lesson a").first
    first_lesson.focus()
    page.keyboard.press("Enter")
    expect(page.locator("th.heat-lesson").first).to_have_attribute("aria-sort", "descending")
    expect(page).to_have_url(re.compile(r"sort=lesson-\d+&dir=desc|dir=desc.*sort=lesson-\d+"))
    assert page.evaluate("window.__marker") == "same page", "sorting reloaded the page"
    learned = row.locator("td.heat").nth(1)
    expect(learned).to_contain_text("%")
    page.locator("#heatmap").screenshot(path=str(SCREENSHOTS / "cohorts-heatmap-sorted.png"))

    # The CSV holds what the learner did.
    with page.expect_download() as download:
        page.get_by_role("link", name="Progress (CSV)").click()
    text = open(download.value.path(), encoding="utf-8").read()  # noqa: SIM115
    rows = list(csv.DictReader(io.StringIO(text)))
    mine = [r for r in rows if r["learner"] == "newcomer"]
    assert sum(int(r["seen"]) for r in mine) == 3
    states = CardState.objects.filter(user__username="newcomer").select_related("card__lesson")
    for state in states:
        line = next(r for r in mine if r["lesson"] == state.card.lesson.slug)
        assert int(line["seen"]) >= 1
    assert sum(int(r["learned"]) for r in mine) == states.filter(state=2).count()
    with page.expect_download() as download:
        page.get_by_role("link", name="Submissions (CSV)").click()
    header = open(download.value.path(), encoding="utf-8").readline()  # noqa: SIM115
    assert header.startswith("submission,learner,name,exercise,submitted_at")

    # The learner's own page.
    row.get_by_role("link", name="Nora Newcomer").click()
    expect(page.get_by_role("heading", name="Nora Newcomer", level=1)).to_be_visible()
    expect(page.locator("#learner-reviews")).to_have_text("3")
    expect(page.locator("#learner-reviews + .meta")).to_contain_text("1 rated Again")
    expect(page.locator("table.learner-reviews tbody tr")).to_have_count(3)
    screenshot("cohorts-learner")
    assert Cohort.objects.get().memberships.count() == 1


def test_the_dashboard_on_a_phone_in_dark_mode(browser, live_server, course_live, screenshot):
    from apps.cohorts.demo import demo_cohort_seed

    instructor = UserFactory(username="ines", password=PASSWORD, instructor=True)
    cohort = demo_cohort_seed(instructor=instructor, learners=8, days=20, name="Phones").cohort
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": 390, "height": 844}, color_scheme="dark"
    )
    phone = context.new_page()
    phone.goto("/accounts/login/")
    phone.fill("#id_username", "ines")
    phone.fill("#id_password", PASSWORD)
    phone.click("main button[type=submit]")
    phone.wait_for_url(lambda url: "/accounts/login/" not in url)
    phone.goto(cohort.get_absolute_url())
    expect(phone.locator("table.heatmap tbody tr")).to_have_count(8)
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the dashboard scrolls sideways on a phone ({width}px)"
    screenshot("cohorts-phone-dark", phone)
    learner = cohort.memberships.first().user
    phone.goto(f"/cohorts/{cohort.pk}/learners/{learner.pk}/")
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the learner page scrolls sideways on a phone ({width}px)"
    screenshot("cohorts-phone-learner", phone)
    context.close()
