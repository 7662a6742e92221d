"""A newcomer opens home, a track, a lesson, reveals an answer and searches."""

import re

from playwright.sync_api import expect


def test_newcomer_browses_reads_an_answer_and_searches(page, course_live, screenshot):
    page.goto("/")
    expect(page.get_by_role("heading", name="Tracks")).to_be_visible()
    expect(page.get_by_role("link", name="Microservices fundamentals")).to_be_visible()
    screenshot("home")

    page.get_by_role("link", name="Microservices fundamentals").click()
    expect(page).to_have_url(re.compile(r"/tracks/microservices-fundamentals/$"))
    expect(page.get_by_role("heading", name="Microservices fundamentals", level=1)).to_be_visible()
    screenshot("track")

    page.get_by_role("link", name="Advanced topics").click()
    card = page.locator("#card-ms-circuit-breaker")
    answer = card.locator(".answer-body")
    expect(answer).to_be_hidden()
    screenshot("lesson")

    card.get_by_text("Show answer").click()
    expect(answer).to_be_visible()
    expect(answer.locator(".highlight, p").first).to_be_visible()
    expect(card.get_by_role("heading", name="Key points")).to_be_visible()
    screenshot("lesson-answer")

    page.fill("#nav-q", "saga")
    page.keyboard.press("Enter")
    expect(page.locator("#search-results")).to_contain_text("result")
    results = page.locator("#search-results li a")
    expect(results.first).to_be_visible()
    screenshot("search")
    results.first.click()
    expect(page.locator(".study-card").first).to_be_visible()


def test_answer_can_be_revealed_with_the_keyboard_alone(page, course_live):
    page.goto("/tracks/javascript-async/")
    page.locator(".lesson-list a").first.click()
    summary = page.locator(".study-card summary").first
    summary.focus()
    page.keyboard.press("Enter")
    expect(page.locator(".study-card .answer-body").first).to_be_visible()


def test_live_search_updates_results_without_a_reload(page, course_live):
    page.goto("/search/")
    page.evaluate("window.__marker = 'still here'")
    page.fill("#q", "gateway")
    expect(page.locator("#search-results")).to_contain_text("for “gateway”")
    assert page.evaluate("window.__marker") == "still here", (
        "the page reloaded instead of swapping results"
    )


def test_pages_are_readable_on_a_phone(browser, live_server, course_live, screenshot):
    context = browser.new_context(base_url=live_server.url, viewport={"width": 390, "height": 844})
    phone = context.new_page()
    phone.goto("/tracks/microservices-trick-questions/")
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the page scrolls sideways on a phone ({width}px wide)"
    phone.screenshot(
        path=str(screenshot.__closure__ and "var/screenshots/phone-track.png"), full_page=True
    )
    context.close()
