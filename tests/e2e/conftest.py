"""Browser tests: Debian's Chromium driven by Playwright, against Django's live server.

Never a downloaded browser: the executable is /usr/bin/chromium (`make test` installs it as root
when missing). Screenshots land in var/screenshots/ for people to look at.
"""

import os
from pathlib import Path

import pytest
from django.conf import settings

CHROMIUM = "/usr/bin/chromium"
SCREENSHOTS = Path(settings.VAR_DIR) / "screenshots"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]

# Playwright's sync API runs an event loop in this thread; the ORM calls made by test bodies
# (setting up data, asserting on rows) are still plain synchronous code.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def pytest_collection_modifyitems(items):
    for item in items:
        if Path(str(item.fspath)).parent.name == "e2e":
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium (make test does it as root)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15_000)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def screenshot(page):
    """screenshot("home") saves var/screenshots/<test-module>-home.png (full page)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def take(name: str, target=None) -> Path:
        path = SCREENSHOTS / f"{name}.png"
        tab = target or page
        # A full-page shot of a scrolled page draws the sticky header where the window is,
        # over the content there: take it from the top, then put the scroll back.
        scrolled = tab.evaluate("() => [scrollX, scrollY]")
        tab.evaluate("() => scrollTo(0, 0)")
        tab.screenshot(path=str(path), full_page=True)
        tab.evaluate("([x, y]) => scrollTo(x, y)", scrolled)
        return path

    return take


@pytest.fixture
def course_live(transactional_db):
    """The real course in the live server's database (transactional: the server thread sees it)."""
    from apps.content.services import content_import

    content_import(root=Path(settings.CONTENT_DIR))


@pytest.fixture
def login(page, live_server):
    def log_in(username: str, password: str) -> None:
        page.goto("/accounts/login/")
        page.fill("#id_username", username)
        page.fill("#id_password", password)
        page.click("button[type=submit]")
        page.wait_for_url(lambda url: "/accounts/login/" not in url)

    return log_in
