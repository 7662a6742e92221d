"""The browser sweep: every URL the resolver knows, as a visitor, a learner, an instructor and
staff, at 375, 768 and 1280 px, in light and dark, looked at the way a person would.

The URLs come from the same walk of the resolver as the CSRF and IDOR matrices
(tests/security/routes.py), their parameters from the same table (tests/security/object_urls.py)
and their objects from the same world (tests/security/world.py: a cohort with a learner, a
graded submission with per-test results, a mock interview, every admin object), with the real
course imported too, so lessons carry real code blocks and tables.

Cost, on a 2-core machine: each (role, URL) is requested once by the test client to learn what
it is (a POST-only URL answers 405, an export is CSV, a redirect ends on another page). Pages are
deduplicated by where they end up: every URL a visitor may not open lands on the same log-in
page, every denied object URL on the same 404 page. Each distinct page is loaded once per role
in that role's browser context, then looked at in all six combinations of width and colour
scheme by resizing the viewport and emulating prefers-color-scheme, which re-lays the page out
exactly as a fresh load at that size would (no page script depends on the width at load time).

Where axe-core runs: in full (every WCAG 2.2 A/AA rule) on every distinct page of every role at
1280 px light and at 375 px dark; the four other combinations get the cheap checks and a
screenshot. What axe judges changes with the colour scheme only through colour contrast, and
with the width only through what is shown (the folded menu, stacked layouts, target sizes):
the two combinations together cover both schemes and both layouts (the 768 px layout is the
375 px one, menu folded, with more room), at a third of the cost of all six.
"""

from __future__ import annotations

import re
import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.test import Client

from apps.content.models import Lesson, Track
from tests.e2e.conftest import SCREENSHOTS
from tests.e2e.sweep import Problems, Watcher, axe, course_root, look
from tests.security.object_urls import OBJECT_URLS
from tests.security.routes import all_routes, route_reverse
from tests.security.world import World, world_build

ROLES = {"visitor": None, "learner": "learner", "instructor": "instructor", "staff": "staff"}
WIDTHS = (375, 768, 1280)
SCHEMES = ("light", "dark")
HEIGHT = 900
AXE_AT = {(1280, "light"), (375, "dark")}
REAL_LESSON = "js-choosing-async-style"
LONG_NAME = "Ada Augusta King-Noel, Countess of Lovelace"
SWEEP_SHOTS = SCREENSHOTS / "sweep"
UNKNOWN = "a URL with parameters the sweep cannot build: add it to tests/security/object_urls.py"


@dataclass
class Page:
    url: str  # what the tab opens
    landed: str  # the path it ends on, or "404": pages are deduplicated by it
    status: int
    routes: list[str]  # the resolver entries that lead here


def _shot_name(landed: str) -> str:
    name = re.sub(r"[^a-z0-9]+", "-", landed.lower()).strip("-")
    return name or "home"


def _pages_of(world: World, role: str) -> tuple[list[Page], dict[str, str]]:
    """The distinct HTML pages `role` reaches from every URL of the resolver, and what became
    of the URLs that are not pages (POST-only, downloads, health checks)."""
    user = world.user(ROLES[role]) if ROLES[role] else None
    client = Client()
    if user:
        client.force_login(user)
    pages: dict[str, Page] = {}
    not_pages: dict[str, str] = {}
    for route in all_routes():
        entry = OBJECT_URLS.get(route.key)
        if route.is_parameterised and entry is None:
            not_pages[route.key] = UNKNOWN  # test_idor fails for it too, saying where to add it
            continue
        url = route_reverse(route, entry.kwargs(world) if entry else {})
        if entry and entry.htmx:
            not_pages[route.key] = "an htmx fragment, seen inside its page"
            continue
        response = client.get(url, follow=True)
        kind = response.get("Content-Type", "")
        if response.status_code == 405:
            not_pages[route.key] = "POST only"
            continue
        if not kind.startswith("text/html"):
            not_pages[route.key] = kind.split(";")[0] or "no body"
            continue
        status = response.status_code
        landed = "404" if status == 404 else response.request["PATH_INFO"]
        page = pages.setdefault(landed, Page(url=url, landed=landed, status=status, routes=[]))
        page.routes.append(route.key)
    return list(pages.values()), not_pages


def _context_for(browser, live_server, world: World, role: str):
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": 1280, "height": HEIGHT}
    )
    context.set_default_timeout(20_000)
    if ROLES[role]:
        client = Client()
        client.force_login(world.user(ROLES[role]))
        cookie = client.cookies[settings.SESSION_COOKIE_NAME]
        context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": live_server.url}])
    return context


@pytest.fixture
def sweep_world(transactional_db, monkeypatch, tmp_path) -> World:
    from apps.content.services import content_import
    from apps.exercises.tasks import grade_submission

    monkeypatch.setattr(grade_submission, "publish", lambda submission_id: None)
    content_import(root=course_root(tmp_path / "content"))
    course_tracks = list(Track.objects.values_list("pk", flat=True))
    world = world_build()
    world.course_tracks = course_tracks
    # Course pages and their admin pages on a real lesson (code blocks, tables, trick questions)
    # rather than the world's one-line factory lesson.
    world.lesson = Lesson.objects.select_related("track").get(slug=REAL_LESSON)
    world.track = world.lesson.track
    world.card = world.lesson.cards.order_by("order").first()
    world.learner.display_name = LONG_NAME  # the navigation must still fit one row
    world.learner.save(update_fields=["display_name"])
    return world


def _sweep_role(browser, live_server, world, role, problems: Problems, spent: dict) -> int:
    pages, not_pages = _pages_of(world, role)
    spent.setdefault("pages", {})[role] = len(pages)
    for key, what in not_pages.items():
        if what == UNKNOWN:
            problems.add(f"{role} {key}", what)
    context = _context_for(browser, live_server, world, role)
    tab = context.new_page()
    watcher = Watcher(tab)
    looked = 0
    try:
        for page in pages:
            watcher.expect_document(urlsplit(page.url).path, page.status)
            tab.set_viewport_size({"width": 1280, "height": HEIGHT})
            tab.emulate_media(color_scheme="light")
            mark = time.monotonic()
            response = tab.goto(page.url, wait_until="load")
            spent["load"] += time.monotonic() - mark
            assert response is not None, page.url
            label = f"{role} {page.url}"
            if response.status != page.status:
                problems.add(label, f"browser got {response.status}, the test client {page.status}")
            for width in WIDTHS:
                tab.set_viewport_size({"width": width, "height": HEIGHT})
                for scheme in SCHEMES:
                    tab.emulate_media(color_scheme=scheme)
                    where = f"{label} @{width}px {scheme}"
                    mark = time.monotonic()
                    look(tab, where, problems)
                    spent["look"] += time.monotonic() - mark
                    if (width, scheme) in AXE_AT:
                        mark = time.monotonic()
                        axe(tab, where, problems)
                        spent["axe"] += time.monotonic() - mark
                    looked += 1
                folder = SWEEP_SHOTS / f"{role}-{width}"
                folder.mkdir(parents=True, exist_ok=True)
                tab.emulate_media(color_scheme="light")
                tab.evaluate("() => window.scrollTo(0, 0)")
                mark = time.monotonic()
                tab.screenshot(path=str(folder / f"{_shot_name(page.landed)}.png"), full_page=True)
                spent["screenshot"] += time.monotonic() - mark
            for error in watcher.drain():
                problems.add(label, error)
    finally:
        context.close()
    return looked


def test_every_page_for_every_role_width_and_scheme(browser, live_server, sweep_world):
    shutil.rmtree(SWEEP_SHOTS, ignore_errors=True)
    problems = Problems()
    started = time.monotonic()
    looked = {}
    spent = dict.fromkeys(("load", "look", "axe", "screenshot"), 0.0)
    for role in ROLES:
        looked[role] = _sweep_role(browser, live_server, sweep_world, role, problems, spent)
    elapsed = time.monotonic() - started
    pages = spent.pop("pages")
    split = ", ".join(f"{part} {seconds:.0f} s" for part, seconds in spent.items())
    print(
        f"\nsweep: {len(all_routes())} resolver URLs; distinct pages per role {pages}; "
        f"{sum(looked.values())} looks (page x width x scheme) in {elapsed:.0f} s ({split})"
    )
    (SWEEP_SHOTS / "problems.txt").write_text(problems.by_rule() or "none\n")
    assert not problems, problems.report()


DOCS = Path(settings.BASE_DIR) / "docs" / "screenshots"


def test_screenshots_for_the_docs(browser, live_server, sweep_world, monkeypatch):
    """The README's pictures, from the sweep's world plus a demo cohort with three weeks of
    history: into var/screenshots/sweep/docs/, and into docs/screenshots/ as well when
    DOCS_SCREENSHOTS=1 (how they are refreshed for a commit). Each scene is also a check: the
    state it shows (an answer revealed, a results table, a live preview) has to be there."""
    import os

    from playwright.sync_api import expect

    from apps.cohorts.demo import demo_cohort_seed
    from apps.exercises.models import Submission
    from tests.security.world import graded_submission

    world = sweep_world
    # The pictures show the real course only: the world's one-card factory tracks are retired.
    Track.objects.exclude(pk__in=world.course_tracks).update(is_retired=True)
    cohort = demo_cohort_seed(
        instructor=world.instructor, learners=8, days=21, name="Spring interviews"
    ).cohort
    demo = cohort.memberships.order_by("user__username").first().user
    graded_submission(demo, world.exercise, code=world.exercise.solution_code, state="failed")
    assert Submission.objects.filter(user=demo).exists()
    folders = [SWEEP_SHOTS / "docs"] + ([DOCS] if os.environ.get("DOCS_SCREENSHOTS") else [])
    for folder in folders:
        folder.mkdir(parents=True, exist_ok=True)

    def shoot(tab, name: str) -> None:
        for folder in folders:
            tab.screenshot(path=str(folder / f"{name}.png"))

    def tab_as(user, width: int, scheme: str):
        context = browser.new_context(
            base_url=live_server.url,
            viewport={"width": width, "height": 760 if width > 400 else 800},
            color_scheme=scheme,
        )
        if user is not None:
            client = Client()
            client.force_login(user)
            cookie = client.cookies[settings.SESSION_COOKIE_NAME]
            context.add_cookies(
                [{"name": cookie.key, "value": cookie.value, "url": live_server.url}]
            )
        return context.new_page()

    lesson = world.lesson
    for scheme in SCHEMES:
        tab = tab_as(demo, 1280, scheme)
        tab.goto("/")
        shoot(tab, f"home-{scheme}")

        tab.goto(lesson.get_absolute_url())
        card = tab.locator(".study-card").nth(1)
        card.get_by_text("Show answer").click()
        expect(card.locator(".rating-buttons")).to_be_visible()
        card.evaluate("(el) => el.scrollIntoView({ block: 'start' })")
        shoot(tab, f"lesson-answer-{scheme}")

        tab.goto("/study/review/")
        tab.keyboard.press("Space")
        expect(tab.locator("#review-session .rating-buttons")).to_be_visible()
        shoot(tab, f"review-{scheme}")

        tab.goto(world.exercise.get_absolute_url())
        expect(tab.locator(".test-table")).to_be_visible()
        tab.locator("#results-title").evaluate("(el) => el.scrollIntoView({ block: 'start' })")
        shoot(tab, f"exercise-results-{scheme}")

        tab.goto("/study/")
        shoot(tab, f"progress-{scheme}")
        tab.context.close()

        tab = tab_as(world.instructor, 1280, scheme)
        tab.goto(cohort.get_absolute_url())
        expect(tab.locator("table.heatmap tbody tr")).to_have_count(8)
        shoot(tab, f"cohort-dashboard-{scheme}")
        tab.context.close()

        tab = tab_as(world.staff, 1280, scheme)
        tab.goto(f"/admin/content/card/{world.card.pk}/change/")
        preview = tab.locator("#id_answer_md-preview")
        expect(preview).not_to_be_empty()
        tab.locator("#id_answer_md").evaluate("(el) => el.scrollIntoView({ block: 'start' })")
        shoot(tab, f"admin-preview-{scheme}")
        tab.context.close()

    tab = tab_as(demo, 375, "light")
    tab.goto(lesson.get_absolute_url())
    card = tab.locator(".study-card").first
    card.get_by_text("Show answer").click()
    expect(card.locator(".rating-buttons")).to_be_visible()
    shoot(tab, "lesson-phone-light")
    tab.locator(".nav-toggle").click()
    shoot(tab, "menu-phone-light")
    tab.context.close()


ICON = """() => (document.querySelector("link[rel~=icon]") || {}).href
  || new URL("/favicon.ico", location.origin).href"""


def test_every_kind_of_page_has_a_favicon_that_answers(page, live_server, course_live):
    """Browsers ask for the page's icon, or /favicon.ico when it names none (the admin, the
    500 and 503 pages): a 404 there is a console error on every first visit."""
    from django.template.loader import get_template

    answer = page.request.get("/favicon.ico")
    assert answer.ok and answer.headers["content-type"].startswith("image/"), answer.status
    assert answer.body()[:4] == b"\x00\x00\x01\x00"  # an ICO file
    server_error = get_template("500.html").render({})
    page.route(
        "**/render-500/",
        lambda route: route.fulfill(status=500, content_type="text/html", body=server_error),
    )
    for url in ("/", "/no/such/page/", "/admin/login/", "/render-500/"):
        page.goto(url)
        icon = page.evaluate(ICON)
        response = page.request.get(icon)
        assert response.ok, f"{url}: its icon {icon} answered {response.status}"
        assert response.headers["content-type"].startswith("image/"), icon
