"""Studying in Chromium: a new learner signs up, reviews five cards with the keyboard while the
due count drops, takes a three-question mock interview, and finds it all on the dashboard."""

import re
from datetime import date, timedelta

from playwright.sync_api import expect

from apps.content.models import Card
from apps.study.models import ReviewLog

PASSWORD = "a-long-unusual-passphrase"


def nav(page):
    return page.get_by_role("navigation", name="Main")


def sign_up(page, username: str, time_zone: str = "Europe/Paris") -> None:
    page.goto("/accounts/signup/")
    page.fill("#id_username", username)
    page.fill("#id_display_name", username.title())
    page.select_option("#id_time_zone", time_zone)
    page.fill("#id_password1", PASSWORD)
    page.fill("#id_password2", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(lambda url: "/accounts/signup/" not in url)


def test_new_learner_reviews_takes_a_mock_interview_and_sees_it_on_the_dashboard(
    page, course_live, screenshot
):
    sign_up(page, "newcomer")
    badge = page.locator("#due-count")
    expect(badge).to_have_text("10")  # ten new cards a day by default

    nav(page).get_by_role("link", name=re.compile(r"^Review")).click()
    expect(page).to_have_url(re.compile(r"/study/review/$"))
    page.wait_for_load_state("domcontentloaded")  # keys count once the page is set up
    page.evaluate("window.__marker = 'same page'")
    session = page.locator("#review-session")
    screenshot("study-review-question")

    reviewed: list[str] = []
    for number, key in enumerate(["3", "4", "2", "3", "4"], start=1):
        card = session.locator(".study-card")
        reviewed.append(card.get_attribute("id").removeprefix("card-"))
        expect(card.locator(".answer-body")).to_be_hidden()
        page.keyboard.press("Space")
        expect(card.locator(".rating-buttons")).to_be_visible()
        expect(card.locator(".rate-good .rate-interval")).to_have_text("10 min")
        if number == 1:
            screenshot("study-review-revealed")
        page.keyboard.press(key)
        expect(badge).to_have_text(str(10 - number))
        expect(session.locator(".saved-note")).to_contain_text("Saved:")
        expect(session.locator(".study-card")).not_to_have_id(f"card-{reviewed[-1]}")

    assert page.evaluate("window.__marker") == "same page", "rating reloaded the page"
    assert len(set(reviewed)) == 5
    logs = ReviewLog.objects.filter(user__username="newcomer").order_by("pk")
    assert [log.rating for log in logs] == [3, 4, 2, 3, 4]
    assert all(log.source == "review" and log.duration_ms is not None for log in logs)
    screenshot("study-review-after-five")

    # A three-question mock interview.
    nav(page).get_by_role("link", name="Progress").click()
    page.get_by_role("link", name="Mock interview", exact=True).click()
    page.fill("#id_question_count", "3")
    page.fill("#id_seconds_per_question", "90")
    screenshot("study-mock-setup")
    page.get_by_role("button", name="Start the interview").click()

    ticks = {1: "all", 2: "none", 3: "some"}
    for position in (1, 2, 3):
        expect(page.locator("#mock-position")).to_have_text(f"Question {position} of 3")
        countdown = page.locator(".countdown-value")
        first_reading = countdown.inner_text()
        expect(countdown).not_to_have_text(first_reading, timeout=3000)  # it counts down
        page.fill("#mock-notes", "Start from the failure modes, then the trade-offs.")
        if position == 1:
            screenshot("study-mock-question")
        page.get_by_role("button", name="I'm done: show the model answer").click()
        expect(page.locator(".model-answer")).to_be_visible()
        boxes = page.locator(".checklist input[type=checkbox]")
        count = boxes.count()
        chosen = {"all": count, "none": 0, "some": (count + 1) // 2}[ticks[position]]
        for index in range(chosen):
            boxes.nth(index).check()
        if position == 1:
            expect(page.locator(".coverage-preview")).to_contain_text("→ Easy")
            screenshot("study-mock-checklist")
        page.get_by_role("button", name=re.compile(r"^Score and")).click()

    expect(page).to_have_url(re.compile(r"/study/mock/\d+/results/$"))
    expect(page.locator("#mock-scored")).to_contain_text("3")
    chips = page.locator(".mock-result .rating-chip")
    expect(chips.nth(0)).to_have_text("Easy")
    expect(chips.nth(1)).to_have_text("Again")
    mock_cards = [
        href.split("#card-")[1]
        for href in page.locator(".mock-result a[href*='#card-']").evaluate_all(
            "links => links.map(a => a.getAttribute('href'))"
        )
    ]
    screenshot("study-mock-results")

    # The dashboard agrees with what happened.
    nav(page).get_by_role("link", name="Progress").click()
    expect(page.locator("#stat-today")).to_have_text("8")  # 5 reviews + 3 mock answers
    expect(page.locator("#stat-streak")).to_have_text("1 day")
    expect(page.locator("#stat-seen")).to_contain_text(str(len(set(reviewed) | set(mock_cards))))
    expect(page.locator("#stat-seen")).to_contain_text(f"/ {Card.objects.live().count()}")
    expect(page.locator("#stat-due")).to_have_text(badge.inner_text())
    weakest = page.locator(".weak-list li")
    expect(weakest.first).to_contain_text("1 lapse")  # the mock answer that covered nothing
    history = page.locator(".mock-history li")
    expect(history).to_have_count(1)
    expect(history.first).to_contain_text("3/3 questions")
    page.get_by_text("Show as a table").first.click()
    expect(page.locator(".chart-table tbody tr").first).to_have_text(re.compile(r"Today\s*8"))

    interview = date.today() + timedelta(days=14)
    page.fill("#id_interview_date", interview.isoformat())
    page.locator("#readiness").get_by_role("button", name="Save").click()
    expect(page.locator("#readiness-overall")).to_have_text(re.compile(r"\d+%"))
    expect(page.locator(".readiness-track")).to_have_count(3)
    expect(page.locator(".suggestions li").first).to_be_visible()
    screenshot("study-dashboard")


def test_rating_on_a_lesson_page_with_the_keyboard(page, course_live, screenshot):
    sign_up(page, "reader")
    page.goto("/tracks/microservices-fundamentals/ms-general-concepts/")
    first = page.locator(".study-card").first
    page.keyboard.press("Space")
    expect(first.locator(".rating-buttons")).to_be_visible()
    screenshot("study-lesson-rating")
    page.keyboard.press("2")
    expect(first.locator(".rated")).to_contain_text("Saved: Hard. Next review in 6 min.")
    expect(page.locator("#lesson-progress")).to_contain_text("1 seen")
    expect(page.locator("#due-count")).to_have_text("9")
    # The next card is now the one the keys act on.
    second = page.locator(".study-card").nth(1)
    page.keyboard.press("Space")
    expect(second.locator(".rating-buttons")).to_be_visible()

    # Typing in a text field never rates.
    page.fill("#nav-q", "")
    page.focus("#nav-q")
    page.keyboard.press("3")
    expect(second.locator(".rating-form")).to_be_visible()
    assert ReviewLog.objects.filter(user__username="reader").count() == 1


def test_a_visitor_is_asked_to_sign_in_before_rating(page, course_live):
    page.goto("/tracks/microservices-fundamentals/ms-general-concepts/")
    card = page.locator(".study-card").first
    card.get_by_text("Show answer").click()
    link = card.get_by_role("link", name="Log in")
    expect(link).to_be_visible()
    link.click()
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=.*ms-general-concepts"))


def test_the_mock_reveals_the_answer_when_time_runs_out(page, course_live):
    sign_up(page, "timed")
    page.goto("/study/mock/")
    page.fill("#id_question_count", "1")
    page.fill("#id_seconds_per_question", "15")
    page.get_by_role("button", name="Start the interview").click()
    page.fill("#mock-notes", "Ran out of time")
    expect(page.locator(".model-answer")).to_be_visible(timeout=25_000)
    expect(page.locator(".your-notes")).to_contain_text("Ran out of time")


def test_study_pages_on_a_phone_in_dark_mode(browser, live_server, course_live, screenshot):
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": 390, "height": 844}, color_scheme="dark"
    )
    phone = context.new_page()
    phone.goto("/accounts/signup/")
    phone.fill("#id_username", "phone")
    phone.fill("#id_password1", PASSWORD)
    phone.fill("#id_password2", PASSWORD)
    phone.click("main button[type=submit]")
    phone.wait_for_url(lambda url: "/accounts/signup/" not in url)
    for path, name in (("/study/review/", "review"), ("/study/", "dashboard")):
        phone.goto(path)
        if name == "review":
            phone.locator(".study-card summary").click()
        width = phone.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"{path} scrolls sideways on a phone ({width}px)"
        screenshot(f"study-phone-{name}", phone)
    context.close()


def test_keys_pressed_the_instant_a_new_card_is_swapped_in_still_rate_in_place(page, course_live):
    """The fastest learner: Space and a rating key right as htmx swaps the next card in (before
    any settle delay). The rating must go over htmx, not as a plain post reloading the page."""
    sign_up(page, "quickfingers")
    page.goto("/study/review/")
    page.wait_for_load_state("load")
    page.evaluate("window.__marker = 'same page'")
    page.evaluate("""() => {
        const rated = new Set();
        document.addEventListener("htmx:afterSwap", (event) => {
            if (event.detail.target.id !== "review-session") return;
            setTimeout(() => {  // the very next task: as soon as a real key press could land
                const card = document.querySelector("#review-session .study-card");
                if (!card || rated.has(card.id) || rated.size >= 2) return;
                rated.add(card.id);
                for (const key of [" ", "3"]) {
                    document.body.dispatchEvent(new KeyboardEvent("keydown", {key, bubbles: true}));
                }
            }, 0);
        });
    }""")
    page.keyboard.press("Space")
    page.keyboard.press("3")  # the first rating; the next two are pressed by the listener
    expect(page.locator("#due-count")).to_have_text("7")
    assert page.evaluate("window.__marker") == "same page", "a quick rating reloaded the page"
    assert ReviewLog.objects.filter(user__username="quickfingers").count() == 3
