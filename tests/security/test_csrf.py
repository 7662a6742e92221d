"""CSRF on every URL of the project, the admin's included, read from the resolver.

For each URL, someone allowed to use it (so the answer is not a log-in redirect) posts:
- without a token: refused by the CSRF check (403), so a @csrf_exempt view fails here;
- with the token a page gave them, in the form or in htmx's X-CSRFToken header: accepted
  (the refusal above was the CSRF check and nothing else);
- with the token but from another site's page (Origin header): refused.

URLs that only answer GET are listed in GET_ONLY, and a post there must answer 405 once past
the CSRF check: a URL that starts accepting posts has to leave the list.
"""

from __future__ import annotations

import json
import logging
import re

import pytest
from django.conf import settings
from django.shortcuts import resolve_url
from django.urls import reverse

from tests.security.object_urls import ANY_USER, PUBLIC, object_url
from tests.security.routes import Route, all_routes, route_reverse
from tests.security.world import World, csrf_token_of

# URL names (or patterns) that refuse POST with 405. Each one is verified below.
GET_ONLY = {
    # Course pages, search and the health checks: reads only.
    "home",
    "content:search",
    "content:track",
    "content:lesson",
    "ping",
    "healthz",
    # A learner's pages and downloads; the forms on them post to other URLs.
    "study:dashboard",
    "study:review",
    "study:mock",
    "study:mock_results",
    "study:export_reviews",
    "study:export_cards",
    "study:export_json",
    "study:plan",  # its form posts to study:plan_update
    "exercises:list",
    "exercises:detail",
    "exercises:submission",  # the status partial htmx polls
    "exercises:example_run",  # the same, for "Run examples"
    # Cohort pages and exports; the join-by-code form is a GET so it works without JavaScript.
    "cohorts:index",
    "cohorts:join_by_code",
    "cohorts:dashboard",
    "cohorts:learner",
    "cohorts:submission",
    "cohorts:export_progress",
    "cohorts:export_submissions",
    "cohorts:readiness",
    "cohorts:export_readiness",
    # Django's own GET-only views.
    "accounts:password_change_done",
    "admin:password_change_done",
    "admin:autocomplete",
    "admin:jsi18n",
}

ROUTES = all_routes()


def _actor(route: Route) -> str:
    """Someone the URL serves, so a post reaches the view once past the CSRF check."""
    if route.is_parameterised:
        owner = object_url(route).owner
        return "learner" if owner in (PUBLIC, ANY_USER) else owner
    if route.route.startswith("admin/"):
        return "staff"
    if route.route.startswith("cohorts/"):
        return "instructor"
    return "learner"


def _url_and_data(world: World, route: Route) -> tuple[str, dict]:
    if not route.is_parameterised:
        return route_reverse(route, {}), {}
    entry = object_url(route)
    return route_reverse(route, entry.kwargs(world)), dict(entry.data or {})


class Rejections(logging.Handler):
    """Collects the CSRF middleware's refusals (it logs each one on django.security.csrf)."""

    def __init__(self):
        super().__init__(level=logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record):
        self.records.append(record)

    def take(self) -> list[str]:
        taken = [record.getMessage() for record in self.records]
        self.records.clear()
        return taken


@pytest.fixture
def rejections():
    handler = Rejections()
    logger = logging.getLogger("django.security.csrf")
    saved = logger.level, logger.disabled
    logger.setLevel(logging.DEBUG)
    logger.disabled = False
    logger.addHandler(handler)
    yield handler
    logger.removeHandler(handler)
    logger.setLevel(saved[0])
    logger.disabled = saved[1]


def test_get_only_list_names_real_urls():
    keys = {route.key for route in ROUTES}
    assert keys >= GET_ONLY, f"GET_ONLY names URLs that do not exist: {GET_ONLY - keys}"


def _login_redirect(response) -> bool:
    if response.status_code != 302:
        return False
    location = response["Location"]
    return location.startswith((resolve_url(settings.LOGIN_URL), reverse("admin:login")))


@pytest.mark.parametrize("route", ROUTES, ids=lambda route: route.key)
def test_post_needs_a_csrf_token(world: World, route: Route, rejections: Rejections):
    role = _actor(route)
    client = world.client(role, enforce_csrf_checks=True)
    url, data = _url_and_data(world, route)

    forged = client.post(url, data)
    assert forged.status_code == 403, f"POST {url} without a token: {forged.status_code}"
    assert rejections.take(), f"POST {url} without a token was not refused by the CSRF check"

    token = csrf_token_of(client)
    accepted = client.post(url, {**data, "csrfmiddlewaretoken": token})
    assert not rejections.take(), f"POST {url} with a valid token was refused"
    assert not _login_redirect(accepted), f"{role} cannot use {url}: pick another actor"
    if route.key in GET_ONLY:
        assert accepted.status_code == 405, (
            f"{url} accepts POST now ({accepted.status_code}): take it out of GET_ONLY"
        )
        return
    assert accepted.status_code != 405, (
        f"{url} answers POST with 405: add {route.key!r} to GET_ONLY, with a comment"
    )

    # htmx sends the token in a header (base.html puts it in hx-headers on <body>).
    token = csrf_token_of(client)
    header = client.post(url, data, headers={"X-CSRFToken": token, "HX-Request": "true"})
    assert not rejections.take(), f"POST {url} with X-CSRFToken was refused: {header}"

    # A page on another site cannot use a stolen token: Django checks the Origin header.
    token = csrf_token_of(client)
    elsewhere = client.post(
        url, {**data, "csrfmiddlewaretoken": token}, headers={"Origin": "https://evil.example"}
    )
    assert elsewhere.status_code == 403, f"POST {url} from another origin: {elsewhere}"
    assert rejections.take()


HX_HEADERS = re.compile(r"<body[^>]*\bhx-headers='([^']*)'")


def test_htmx_posts_carry_the_token_the_page_gives_them(world, rejections):
    """The real path: the page's hx-headers hold the token, htmx sends it on every request."""
    client = world.client("learner", enforce_csrf_checks=True)
    page = client.get(world.exercise.get_absolute_url()).content.decode()
    found = HX_HEADERS.search(page)
    assert found, "the page gives htmx no headers"
    headers = json.loads(found.group(1).replace("&quot;", '"'))
    assert set(headers) == {"X-CSRFToken"}

    url = reverse("exercises:give_up", args=[world.exercise.slug])
    response = client.post(url, headers={**headers, "HX-Request": "true"})
    assert response.status_code == 200
    assert not rejections.take()
    assert 'id="solution"' in response.content.decode()

    forged = client.post(url, headers={"HX-Request": "true"})
    assert forged.status_code == 403


def test_refused_posts_change_nothing(world):
    """A forged post, refused, leaves the account, the session and the cohort alone."""
    ada = world.client("learner", enforce_csrf_checks=True)
    assert (
        ada.post(reverse("study:data"), {"password": "correct-horse-battery-staple"}).status_code
        == 403
    )
    assert ada.post(reverse("accounts:logout")).status_code == 403
    assert ada.post(reverse("cohorts:leave", args=[world.cohort.pk])).status_code == 403
    world.learner.refresh_from_db()
    assert world.learner.cohort_memberships.filter(cohort=world.cohort).exists()
    assert ada.get(reverse("study:dashboard")).status_code == 200  # still logged in
