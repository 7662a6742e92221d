"""IDOR matrix: every URL with a path parameter, opened by every role.

The owner (or the cohort's instructor, or staff for the admin) gets the page; everyone else gets
a 404, the same answer as for an id that does not exist, and nothing they post changes a row;
a visitor is sent to log in. The list of URLs comes from the resolver: a new object URL that is
not in object_urls.OBJECT_URLS fails test_every_object_url_is_in_the_matrix.
"""

from __future__ import annotations

import csv
import io

import pytest
from django.conf import settings
from django.shortcuts import resolve_url
from django.urls import reverse

from apps.cohorts import services as cohort_services
from tests.security.object_urls import (
    LOGIN,
    NOT_FOUND,
    OBJECT_URLS,
    OPEN,
    ObjectURL,
    object_url,
)
from tests.security.routes import Route, all_routes, route_reverse
from tests.security.world import ROLES, World, graded_submission

PARAMETERISED = [route for route in all_routes() if route.is_parameterised]


def test_every_object_url_is_in_the_matrix():
    missing = sorted(route.key for route in PARAMETERISED if route.key not in OBJECT_URLS)
    assert not missing, (
        "URLs with a path parameter that the IDOR matrix does not cover; add them to "
        f"tests/security/object_urls.py (who owns them, who must get a 404): {missing}"
    )
    known = {route.key for route in PARAMETERISED}
    stale = sorted(set(OBJECT_URLS) - known)
    assert not stale, f"entries for URLs that no longer exist: {stale}"


def _send(client, method: str, url: str, entry: ObjectURL):
    headers = {"HX-Request": "true"} if entry.htmx else {}
    if method == "get":
        return client.get(url, headers=headers)
    return client.post(url, entry.data or {}, headers=headers)


def _expect(response, expected: str, *, who: str, method: str, url: str) -> None:
    where = f"{method.upper()} {url} as {who}"
    if expected == NOT_FOUND:
        assert response.status_code == 404, f"{where}: {response.status_code}, expected 404"
    elif expected == OPEN:
        assert response.status_code == 200, f"{where}: {response.status_code}, expected 200"
    else:
        login = resolve_url(settings.LOGIN_URL) if expected == LOGIN else reverse("admin:login")
        assert response.status_code == 302, f"{where}: {response.status_code}, expected log-in"
        assert response["Location"].startswith(login), f"{where}: to {response['Location']}"


def _routes_in_matrix() -> list[Route]:
    return [route for route in PARAMETERISED if route.key in OBJECT_URLS]


@pytest.mark.parametrize("route", _routes_in_matrix(), ids=lambda route: route.key)
def test_object_url_answers_its_owner_only(world: World, route: Route):
    entry = object_url(route)
    url = route_reverse(route, entry.kwargs(world))
    for method in entry.methods:
        before = entry.state(world) if entry.state else None
        for role in sorted(entry.denied_roles()):
            response = _send(world.client(role), method, url, entry)
            _expect(response, entry.denied, who=role, method=method, url=url)
        anonymous = entry.anonymous
        if method == "post" and anonymous == OPEN:
            anonymous = LOGIN
        response = _send(world.client("anonymous"), method, url, entry)
        _expect(response, anonymous, who="a visitor", method=method, url=url)
        if entry.state:
            assert entry.state(world) == before, f"{method.upper()} {url} changed by a refusal"

        # Allowed roles last: their posts may change what the refusals were checked against.
        allowed = sorted(entry.allowed_roles())
        if method == "post" and entry.owner in ROLES:
            allowed = [entry.owner]
        for role in allowed:
            response = _send(world.client(role), method, url, entry)
            expected = entry.owner_status if method == "get" else (200, 302)
            assert response.status_code in expected, (
                f"{method.upper()} {url} as {role}: {response.status_code}, expected {expected}"
            )
            if response.status_code == 302:
                assert not response["Location"].startswith(resolve_url(settings.LOGIN_URL))
                assert not response["Location"].startswith(reverse("admin:login"))


# The pieces an object URL leaves to a second parameter or a query string ------------------


def test_exercise_page_never_shows_someone_elses_submission(world):
    url = world.exercise.get_absolute_url()
    mine = world.client("learner").get(url, {"submission": world.submission.pk})
    assert mine.status_code == 200
    assert "ada&#x27;s solution" in mine.content.decode()
    for role in ("other_learner", "instructor", "staff"):
        theirs = world.client(role).get(url, {"submission": world.submission.pk})
        assert theirs.status_code == 404, role
    visitor = world.client("anonymous").get(url, {"submission": world.submission.pk})
    assert visitor.status_code == 404
    # Nor does the htmx partial of the exercise page.
    partial = world.client("other_learner").get(
        url, {"submission": world.submission.pk}, headers={"HX-Request": "true"}
    )
    assert partial.status_code == 404


def test_instructor_sees_learner_data_only_for_members_of_their_cohort(world):
    ines = world.client("instructor")
    cohort = world.cohort.pk
    grace, grace_run = world.other_learner.pk, world.other_submission.pk
    refused = [
        reverse("cohorts:learner", args=[cohort, grace]),
        reverse("cohorts:learner_remove", args=[cohort, grace]),
        reverse("cohorts:submission", args=[cohort, grace, grace_run]),
        # A member's path with a non-member's submission id.
        reverse("cohorts:submission", args=[cohort, world.learner.pk, grace_run]),
        # The right learner through a cohort that is not Ines's.
        reverse("cohorts:learner", args=[world.other_cohort.pk, grace]),
    ]
    for url in refused:
        assert ines.get(url).status_code == 404, url
    assert ines.post(reverse("cohorts:learner_remove", args=[cohort, grace])).status_code == 404
    assert world.other_learner.cohort_memberships.filter(cohort=world.other_cohort).exists()

    dashboard = ines.get(reverse("cohorts:dashboard", args=[cohort])).content.decode()
    assert "Ada" in dashboard
    assert "Grace" not in dashboard


def test_instructor_loses_access_when_the_learner_leaves(world):
    ines = world.client("instructor")
    url = reverse(
        "cohorts:submission", args=[world.cohort.pk, world.learner.pk, world.submission.pk]
    )
    assert ines.get(url).status_code == 200
    cohort_services.cohort_leave(user=world.learner, cohort=world.cohort)
    assert ines.get(url).status_code == 404
    assert (
        ines.get(reverse("cohorts:learner", args=[world.cohort.pk, world.learner.pk])).status_code
        == 404
    )


def _csv_rows(response) -> list[list[str]]:
    text = b"".join(response.streaming_content).decode()
    return list(csv.reader(io.StringIO(text)))


@pytest.mark.parametrize("export", ["cohorts:export_progress", "cohorts:export_submissions"])
def test_cohort_exports_hold_members_only(world, export):
    graded_submission(world.other_learner, world.exercise, code="// grace again")
    for role, cohort, member, stranger in (
        ("instructor", world.cohort, "ada", "grace"),
        ("other_instructor", world.other_cohort, "grace", "ada"),
    ):
        rows = _csv_rows(world.client(role).get(reverse(export, args=[cohort.pk])))
        learners = {row[rows[0].index("learner")] for row in rows[1:]}
        assert learners == {member}, (role, learners)
        assert stranger not in {cell for row in rows for cell in row}
