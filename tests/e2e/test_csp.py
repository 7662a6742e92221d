"""The Content Security Policy (no 'unsafe-inline', no 'unsafe-eval') in real Chromium: the main
pages and their htmx interactions (revealing and rating a card, the exercise page's code editor,
running an exercise's examples and tests, sorting a cohort's heatmap, the admin's live Markdown
preview) trigger no violation at all.

Chromium reports a violation twice: a `securitypolicyviolation` event in the page and a console
message ("Refused to …"); both are collected, and the collector is shown to catch one."""

import re
from dataclasses import dataclass, field

import pytest
from playwright.sync_api import expect

from apps.content.models import Card, Exercise
from tests.content_subset import content_subset
from tests.factories import UserFactory

PASSWORD = "a-long-unusual-passphrase"
REPORT = """
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolation({
    directive: event.violatedDirective,
    blocked: event.blockedURI,
    sample: event.sample,
    source: `${event.sourceFile}:${event.lineNumber}`,
    page: location.href,
  });
});
"""


@dataclass
class Violations:
    events: list[dict] = field(default_factory=list)
    console: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.events or self.console)

    def clear(self) -> None:
        self.events.clear()
        self.console.clear()


@pytest.fixture
def violations(page) -> Violations:
    seen = Violations()
    page.expose_function("__cspViolation", lambda report: seen.events.append(report))
    page.add_init_script(REPORT)

    def on_console(message):
        if "Content Security Policy" in message.text or "Refused to" in message.text:
            seen.console.append(f"{message.type}: {message.text} ({page.url})")

    page.on("console", on_console)
    return seen


def visit(page, url: str):
    response = page.goto(url)
    assert response.ok, url
    policy = response.headers["content-security-policy"]
    assert "'nonce-" in policy and "unsafe-inline" not in policy and "unsafe-eval" not in policy
    page.wait_for_load_state("load")
    return response


def settle(page) -> None:
    """Let htmx finish: no request in flight, nothing swapping or settling."""
    # A locator, not wait_for_function: a string predicate is eval'd in the page, which the
    # CSP (no 'unsafe-eval') refuses whenever the first check is false and Playwright polls.
    expect(page.locator(".htmx-request, .htmx-swapping, .htmx-settling")).to_have_count(0)


def test_visitor_and_learner_pages_and_htmx_rating(page, course_live, login, violations):
    visit(page, "/")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    card = Card.objects.select_related("lesson__track").filter(is_retired=False).first()
    visit(page, card.lesson.get_absolute_url())
    box = page.locator(f"#card-{card.slug}")
    box.get_by_text("Show answer").click()
    expect(box.locator(".answer-body")).to_be_visible()
    visit(page, "/search/")
    page.fill("#q", "circuit breaker")
    expect(page.locator("#search-results")).to_contain_text("result")
    settle(page)
    visit(page, "/accounts/signup/")
    visit(page, "/accounts/login/")
    assert not violations, violations

    UserFactory(username="ada", password=PASSWORD)
    login("ada", PASSWORD)
    visit(page, "/study/review/")
    session = page.locator("#review-session")
    first = session.locator(".study-card").get_attribute("id")
    page.keyboard.press("Space")
    expect(session.locator(".rating-buttons")).to_be_visible()
    session.locator(".rate-good").click()
    expect(session.locator(".saved-note")).to_contain_text("Saved:")
    expect(session.locator(".study-card")).not_to_have_id(first)
    settle(page)
    visit(page, "/study/")
    visit(page, "/exercises/")
    assert not violations, violations

    # The collector is not blind: an inline style added now is refused and reported.
    page.evaluate(
        "() => { const s = document.createElement('style');"
        " s.textContent = 'body { color: red }'; document.head.appendChild(s); }"
    )
    for _ in range(50):  # the report reaches Python asynchronously
        if violations.events and violations.console:
            break
        page.wait_for_timeout(100)
    assert any(v["directive"].startswith("style-src") for v in violations.events), violations
    assert violations.console, "Chromium's console message for the violation"


def test_cohort_dashboard_and_heatmap_sorting(page, course_live, login, violations):
    from apps.cohorts.demo import demo_cohort_seed

    instructor = UserFactory(username="ines", password=PASSWORD, instructor=True)
    cohort = demo_cohort_seed(instructor=instructor, learners=4, days=10, name="CSP").cohort
    login("ines", PASSWORD)
    visit(page, cohort.get_absolute_url())
    expect(page.locator("table.heatmap tbody tr")).to_have_count(4)
    page.get_by_role("link", name="learned", exact=True).click()
    expect(page).to_have_url(re.compile(r"metric=learned"))
    settle(page)
    learner = cohort.memberships.first().user
    visit(page, f"/cohorts/{cohort.pk}/learners/{learner.pk}/")
    visit(page, "/cohorts/")
    assert not violations, violations


def test_admin_pages_and_the_live_preview(page, course_live, login, violations):
    UserFactory(username="editor", password=PASSWORD, superuser=True)
    visit(page, "/admin/login/")
    login("editor", PASSWORD)
    card = Card.objects.get(slug="ms-circuit-breaker")
    visit(page, "/admin/")
    visit(page, "/admin/content/card/")
    visit(page, f"/admin/content/card/{card.pk}/change/")
    preview = page.locator("#id_answer_md-preview")
    answer = page.locator("#id_answer_md")
    answer.press("Control+Home")
    answer.type('!!! tip "Checked under CSP"\n    Still **fine**.\n\n')
    expect(preview.locator(".admonition.tip .admonition-title")).to_have_text("Checked under CSP")
    settle(page)
    visit(page, f"/admin/content/exercise/{Exercise.objects.first().pk}/change/")
    visit(page, "/admin/accounts/user/add/")
    visit(page, "/admin/content/card/?q=circuit")
    assert not violations, violations


@pytest.mark.integration
@pytest.mark.sandbox
def test_an_exercise_run_with_htmx_polling(
    page, login, learner, password, grading_stack, transactional_db, tmp_path, violations
):
    from apps.content.services import content_import

    content_import(root=content_subset(tmp_path / "content", exercises=["js-parallel-news"]))
    exercise = Exercise.objects.get(slug="js-parallel-news")
    login(learner.username, password)
    visit(page, exercise.get_absolute_url())
    # The code editor (CodeMirror, loaded after the page) injects its styles with the nonce.
    content = page.locator(".cm-editor .cm-content")
    expect(content).to_be_visible()
    content.click()
    page.keyboard.type("// typed under the policy\n")
    page.keyboard.press("Control+f")  # the search panel
    expect(page.locator(".cm-search")).to_be_visible()
    page.keyboard.press("Escape")
    page.get_by_role("button", name="Run examples").click()
    expect(page.locator("#results .example-run .state-badge")).to_have_text(
        "Examples: failed", timeout=60_000
    )
    settle(page)
    page.get_by_role("button", name="Submit").click()
    expect(page.locator("#results .state-badge")).to_have_text("Failed", timeout=60_000)
    expect(page.locator(".test-table")).to_be_visible()
    expect(page.locator(".cm-editor")).to_be_visible()
    settle(page)
    page.get_by_label("Plain editor").check()
    expect(page.locator("#code")).to_be_visible()
    settle(page)
    assert not violations, violations
