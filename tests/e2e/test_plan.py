"""The plan page in Chromium: a learner sets an interview date and sees the forecast, then a
small daily budget and sees it change, without the page reloading (htmx), and the same from
the progress page's link."""

import re
from datetime import date, timedelta

from playwright.sync_api import expect

from apps.study.models import StudyPlan
from tests.e2e.test_study import sign_up


def test_setting_a_date_and_a_budget_changes_the_forecast(page, course_live, screenshot):
    sign_up(page, "planner")
    page.goto("/study/")
    page.get_by_role("link", name="Your plan").first.click()
    expect(page).to_have_url(re.compile(r"/study/plan/$"))
    expect(page.locator("#plan-summary")).to_contain_text("No interview date yet")
    page.evaluate("window.__marker = 'same page'")

    interview = date.today() + timedelta(days=12)
    page.fill("#id_interview_date", interview.isoformat())
    page.click("#plan-save")
    summary = page.locator("#plan-summary")
    expect(summary).to_contain_text("you need about")
    expect(page.locator("#plan-status")).to_contain_text("On track")
    needed = int(re.search(r"(\d+) minutes a day", summary.inner_text()).group(1))
    screenshot("plan-with-date")

    page.fill("#id_budget_minutes", "1")
    page.click("#plan-save")
    expect(page.locator("#plan-status")).to_contain_text("Behind by")
    reached = page.locator("#plan-reached")
    expect(reached).to_be_visible()
    assert int(reached.inner_text().split()[0]) < 90
    assert int(re.search(r"(\d+) minutes a day", summary.inner_text()).group(1)) == needed
    screenshot("plan-with-budget")

    assert page.evaluate("window.__marker") == "same page", "saving reloaded the page"
    plan = StudyPlan.objects.get(user__username="planner")
    assert plan.interview_date == interview and plan.budget_minutes == 1


def test_the_plan_page_fits_a_phone(browser, live_server, course_live):
    context = browser.new_context(base_url=live_server.url, viewport={"width": 390, "height": 844})
    phone = context.new_page()
    sign_up(phone, "phoneplanner")
    phone.goto("/study/plan/")
    phone.fill("#id_interview_date", (date.today() + timedelta(days=20)).isoformat())
    phone.click("#plan-save")
    expect(phone.locator("#plan-summary")).to_contain_text("you need about")
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the plan page scrolls sideways on a phone ({width}px)"
    context.close()
