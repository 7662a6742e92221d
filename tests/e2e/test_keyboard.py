"""What axe-core cannot see, checked in Chromium the way a keyboard or screen-reader user meets it:

- the navigation: one row from 1024 px for every role (staff with the Admin link, an instructor
  with a long name), a menu below that opens by keyboard and without JavaScript;
- every Tab stop on the main pages shows a focus ring and is not hidden under the sticky header;
- single-key shortcuts (WCAG 2.1.4): never while typing in a field, and a switch turns them off;
- the review flow, the cohort heatmap sort and an exercise run, by keyboard alone;
- timed mock interviews (WCAG 2.2.1): "+1 minute", "No timer", and no time limit at all;
- status changes reach a live region that was on the page before the change (rating saved,
  tests running, results in).
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from apps.study.models import ReviewLog
from tests.e2e.sweep import Problems, axe
from tests.factories import UserFactory

PASSWORD = "a-long-unusual-passphrase"
LONG_NAME = "Maximiliana Wilhelmina von Habsburg-Lothringen"

# The focused element: is a ring drawn, and is its middle really on top (not under the header)?
FOCUS = """
() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const style = getComputedStyle(el);
  const rect = el.getBoundingClientRect();
  const ring = (style.outlineStyle !== "none" && parseFloat(style.outlineWidth) >= 2)
    || style.boxShadow !== "none";
  const x = Math.min(Math.max(rect.left + rect.width / 2, 1), innerWidth - 1);
  const y = Math.min(Math.max(rect.top + Math.min(rect.height / 2, 10), 1), innerHeight - 1);
  const top = document.elementFromPoint(x, y);
  const header = document.querySelector(".site-header");
  const covered = !!(top && header && header.contains(top) && !header.contains(el));
  const name = el.tagName.toLowerCase() + (el.id ? "#" + el.id : "")
    + " " + (el.innerText || el.value || el.getAttribute("aria-label") || "").trim().slice(0, 40);
  return { name, ring, covered, visible: rect.width > 0 && rect.height > 0 };
}
"""


def tab_to(page, pattern: str, limit: int = 80) -> None:
    """Press Tab until the focused element's text matches `pattern` (a keyboard user's way)."""
    wanted = re.compile(pattern)
    for _ in range(limit):
        page.keyboard.press("Tab")
        text = page.evaluate(
            "() => { const el = document.activeElement;"
            " return el ? (el.innerText || el.value || el.getAttribute('aria-label') || '') : '' }"
        )
        if wanted.search(text.strip()):
            return
    raise AssertionError(f"no Tab stop matching {pattern!r} within {limit} presses")


def tab_until(page, selector: str, limit: int = 80) -> None:
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("(s) => !!document.activeElement?.matches(s)", selector):
            return
    raise AssertionError(f"no Tab stop matching {selector!r} within {limit} presses")


def sign_in(context, live_server, user) -> None:
    from django.conf import settings
    from django.test import Client

    client = Client()
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": live_server.url}])


@pytest.fixture
def everyone(course_live):
    """A staff member who is also an instructor, with a long name: the widest navigation."""
    return UserFactory(
        username="max",
        password=PASSWORD,
        display_name=LONG_NAME,
        superuser=True,
        instructor=True,
    )


def test_navigation_fits_one_row_from_1024px_and_folds_into_a_keyboard_menu_below(
    page, live_server, everyone
):
    sign_in(page.context, live_server, everyone)
    nav = page.get_by_role("navigation", name="Main")
    for width in (1024, 1280):
        page.set_viewport_size({"width": width, "height": 800})
        page.goto("/study/")
        expect(nav.get_by_role("link", name="Admin")).to_be_visible()
        expect(nav.get_by_role("link", name="Cohorts")).to_be_visible()
        expect(page.locator(".nav-toggle")).to_be_hidden()
        rows = page.evaluate(
            """() => [...document.querySelectorAll('.nav .brand, .nav-panel li, .nav-search')]
                 .map((el) => Math.round(el.getBoundingClientRect().top
                                         + el.getBoundingClientRect().height / 2))"""
        )
        assert max(rows) - min(rows) <= 4, f"navigation wraps at {width}px: centres {rows}"
        assert page.evaluate("document.documentElement.scrollWidth") <= width

    for width in (375, 768):
        page.set_viewport_size({"width": width, "height": 800})
        page.goto("/study/")
        toggle = page.locator(".nav-toggle")
        expect(toggle).to_be_visible()
        expect(nav.get_by_role("link", name="Admin")).to_be_hidden()
        # Skip link, brand, then the menu: Enter opens it and Tab walks into its links.
        page.keyboard.press("Tab")
        page.keyboard.press("Tab")
        page.keyboard.press("Tab")
        expect(toggle).to_be_focused()
        page.keyboard.press("Enter")
        expect(nav.get_by_role("link", name="Admin")).to_be_visible()
        page.keyboard.press("Tab")
        expect(nav.get_by_role("link", name="Tracks")).to_be_focused()
        toggle.focus()
        page.keyboard.press("Enter")
        expect(nav.get_by_role("link", name="Tracks")).to_be_hidden()


def test_the_menu_opens_without_javascript(browser, live_server, course_live):
    context = browser.new_context(
        base_url=live_server.url, java_script_enabled=False, viewport={"width": 375, "height": 800}
    )
    page = context.new_page()
    page.goto("/")
    nav = page.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("link", name="Log in")).to_be_hidden()
    page.locator(".nav-toggle").click()
    expect(nav.get_by_role("link", name="Log in")).to_be_visible()
    context.close()


def test_every_tab_stop_shows_a_focus_ring_and_is_not_under_the_header(page, live_server, everyone):
    from apps.cohorts.demo import demo_cohort_seed
    from apps.content.models import Lesson

    cohort = demo_cohort_seed(instructor=everyone, learners=3, days=5, name="Focus").cohort
    sign_in(page.context, live_server, everyone)
    lesson = Lesson.objects.order_by("track__order", "order").first()
    pages = ["/", lesson.get_absolute_url(), "/study/", "/study/review/", "/exercises/"]
    pages += [cohort.get_absolute_url(), "/study/mock/"]
    problems = []
    for width in (1280, 375):
        page.set_viewport_size({"width": width, "height": 700})
        for url in pages:
            page.goto(url)
            seen = set()
            for _ in range(45):
                page.keyboard.press("Tab")
                focus = page.evaluate(FOCUS)
                if focus is None or focus["name"] in seen:
                    break
                seen.add(focus["name"])
                where = f"{url} @{width}px: {focus['name']!r}"
                if not focus["visible"]:
                    problems.append(f"{where} has focus but no size")
                elif not focus["ring"]:
                    problems.append(f"{where} shows no focus ring")
                elif focus["covered"]:
                    problems.append(f"{where} is under the sticky header")
            assert len(seen) > 3, f"{url}: only {len(seen)} Tab stops"
    assert not problems, "\n".join(problems)


@pytest.fixture
def reviewer(page, live_server, course_live):
    learner = UserFactory(username="ada", password=PASSWORD, display_name="Ada")
    sign_in(page.context, live_server, learner)
    return learner


def test_single_key_shortcuts_never_fire_while_typing_and_can_be_turned_off(
    page, reviewer, screenshot
):
    page.goto("/study/review/")
    session = page.locator("#review-session")
    card = session.locator(".study-card")
    switch = page.get_by_label("Single-key shortcuts")
    expect(switch).to_be_checked()
    expect(page.locator(".keys-hint")).to_contain_text("Never while you type in a field")

    page.keyboard.press("Space")
    expect(card.locator(".rating-buttons")).to_be_visible()
    first = card.get_attribute("id")

    # "3" typed into the search box or the daily-limit field is text, not a rating.
    page.locator("#nav-q").focus()
    page.keyboard.type("3")
    expect(page.locator("#nav-q")).to_have_value("3")
    page.locator(".session-settings > summary").click()
    limit = page.get_by_label(re.compile("new cards", re.I))
    limit.fill("")
    limit.focus()
    page.keyboard.type("3")
    expect(limit).to_have_value("3")
    page.wait_for_timeout(300)  # a rating would have been posted by now
    expect(card).to_have_id(first)
    assert not ReviewLog.objects.filter(user=reviewer).exists()

    # Off, by keyboard: the switch says so, and the keys do nothing, after a reload too.
    switch.focus()
    page.keyboard.press("Space")
    expect(switch).not_to_be_checked()
    expect(page.locator("[data-shortcuts-status]")).to_have_text("Single-key shortcuts off.")
    expect(page.locator(".keys-hint")).to_contain_text("Off: keys do nothing special")
    screenshot("review-shortcuts-off")
    page.reload()
    expect(page.get_by_label("Single-key shortcuts")).not_to_be_checked()
    page.locator("body").click(position={"x": 5, "y": 300})
    page.keyboard.press("Space")
    page.keyboard.press("3")
    page.wait_for_timeout(300)
    expect(card.locator(".answer-body")).to_be_hidden()
    assert not ReviewLog.objects.filter(user=reviewer).exists()

    # On again: "3" rates Good, and the rating is announced.
    page.get_by_label("Single-key shortcuts").check()
    page.locator("body").click(position={"x": 5, "y": 300})
    page.keyboard.press("Space")
    page.keyboard.press("3")
    expect(page.locator("#announcer")).to_contain_text("Saved: Good")
    assert ReviewLog.objects.get(user=reviewer).rating == 3


def test_review_flow_by_keyboard_alone_with_announcements(page, reviewer):
    page.goto("/study/review/")
    announcer = page.locator("#announcer")
    expect(announcer).to_be_empty()
    for number in (1, 2):
        card_id = page.locator("#review-session .study-card").get_attribute("id")
        tab_to(page, r"^Show answer$")
        assert page.evaluate(FOCUS)["ring"]
        page.keyboard.press("Enter")
        tab_to(page, r"^Good")
        assert page.evaluate(FOCUS)["ring"]
        page.keyboard.press("Enter")
        expect(page.locator("#review-session .study-card")).not_to_have_id(card_id)
        expect(announcer).to_contain_text("Saved: Good")
        # After the swap focus is on the next card's "Show answer", not lost to the page top.
        expect(page.locator("#review-session .study-card summary")).to_be_focused()
        assert ReviewLog.objects.filter(user=reviewer).count() == number


def test_cohort_heatmap_sorted_by_keyboard_alone(page, live_server, course_live):
    from apps.cohorts.demo import demo_cohort_seed

    instructor = UserFactory(username="ines", password=PASSWORD, instructor=True)
    cohort = demo_cohort_seed(instructor=instructor, learners=4, days=10, name="Keys").cohort
    sign_in(page.context, live_server, instructor)
    page.goto(cohort.get_absolute_url())
    rows = page.locator("table.heatmap tbody tr")
    expect(rows).to_have_count(4)

    tab_to(page, r"^learned$")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"metric=learned"))
    expect(page.locator("#heatmap-range")).to_be_visible()
    # htmx gives focus back to the link with the same id in the new table.
    expect(page.locator("#metric-learned")).to_be_focused()

    header = page.locator("thead th.heat-learner")
    tab_until(page, "#sort-name")
    page.keyboard.press("Enter")
    expect(header).to_have_attribute("aria-sort", re.compile("ascending|descending"))
    expect(page.locator("#sort-name")).to_be_focused()
    first = header.get_attribute("aria-sort")
    page.keyboard.press("Enter")  # again: the other way round
    expect(header).not_to_have_attribute("aria-sort", first)
    expect(page.locator("#sort-name")).to_be_focused()
    names = [name.split("\n")[0] for name in rows.locator("th").all_inner_texts()]
    descending = header.get_attribute("aria-sort") == "descending"
    assert names == sorted(names, key=str.casefold, reverse=descending), names


@pytest.fixture
def mock_page(page, reviewer):
    from apps.content.models import Track
    from apps.study import services

    def start(seconds: int):
        mock = services.mock_create(
            user=reviewer,
            tracks=list(Track.objects.live()),
            question_count=2,
            seconds_per_question=seconds,
        )
        page.clock.install()
        page.goto(f"/study/mock/{mock.pk}/")
        return mock

    return start


def test_mock_timer_can_be_extended_and_turned_off_by_keyboard(page, mock_page, screenshot):
    mock_page(15)
    timer = page.locator(".countdown")
    expect(timer).to_contain_text("0:15")

    tab_to(page, r"^\+1 minute$")
    page.keyboard.press("Enter")
    expect(page.locator("#countdown-status")).to_contain_text("One more minute")
    expect(timer).to_contain_text(re.compile(r"1:1\d"))
    page.clock.run_for(30_000)  # past the first 15 s: the extra minute holds the answer back
    expect(page.locator("#reveal-form")).to_be_visible()
    expect(timer).to_contain_text(re.compile(r"0:4\d"))
    screenshot("mock-timer-extended")
    # The sweep sees mock questions already answered; the running timer gets its axe run here.
    problems = Problems()
    axe(page, "mock question with its timer", problems)
    assert not problems, problems.report()

    tab_to(page, r"^No timer$")
    page.keyboard.press("Enter")
    expect(timer).to_have_text("No time limit")
    expect(page.locator("#countdown-status")).to_contain_text("Timer off")
    screenshot("mock-timer-off")
    page.clock.run_for(120_000)  # long past any deadline
    expect(page.locator("#reveal-form")).to_be_visible()
    expect(page.locator(".model-answer")).to_have_count(0)

    # The choice holds for the next question of this interview.
    page.get_by_role("button", name=re.compile("show the model answer")).click()
    page.get_by_role("button", name=re.compile("Score and next")).click()
    expect(page.locator("#mock-position")).to_have_text("Question 2 of 2")
    page.clock.run_for(1_000)
    expect(page.locator(".countdown")).to_have_text("No time limit")


def test_without_more_time_the_countdown_reveals_the_answer(page, mock_page):
    mock_page(15)
    page.clock.run_for(20_000)
    expect(page.locator(".model-answer")).to_be_visible()


def test_a_mock_interview_without_a_time_limit(page, reviewer):
    page.goto("/study/mock/")
    page.get_by_label("No time limit").check()
    page.get_by_role("button", name="Start the interview").click()
    expect(page.locator(".countdown")).to_have_text("No time limit")
    expect(page.get_by_role("timer")).to_have_count(0)
    expect(page.get_by_role("button", name="+1 minute")).to_have_count(0)


@pytest.mark.integration
@pytest.mark.sandbox
def test_an_exercise_run_by_keyboard_alone_is_announced(
    page, login, learner, password, grading_stack, transactional_db, tmp_path
):
    from apps.content.models import Exercise
    from apps.content.services import content_import
    from tests.e2e.sweep import course_root

    content_import(root=course_root(tmp_path / "content"))
    exercise = Exercise.objects.get(slug="js-parallel-news")
    login(learner.username, password)
    page.goto(exercise.get_absolute_url())
    # Every text the results' live region takes, in order.
    page.evaluate(
        """() => {
          window.__announced = [];
          const region = document.getElementById("results");
          new MutationObserver(() => window.__announced.push(region.innerText.trim()))
            .observe(region, { childList: true, subtree: true, characterData: true });
        }"""
    )
    expect(page.locator(".cm-editor .cm-content")).to_be_visible()  # the code editor loaded
    tab_until(page, ".cm-content")  # into the editor
    page.keyboard.press("Escape")  # the editor lets Tab leave after Esc
    tab_to(page, r"^Submit$")
    assert page.evaluate(FOCUS)["ring"]
    page.keyboard.press("Enter")
    expect(page.locator("#results .state-badge")).to_have_text("Failed", timeout=60_000)
    announced = page.evaluate("window.__announced")
    assert any(re.search(r"Waiting for a grader|Running the tests", t) for t in announced), (
        announced
    )
    assert re.search(r"\d+ of \d+ tests passed", announced[-1]), announced[-1]
    assert page.locator("#results").get_attribute("aria-live") == "polite"
