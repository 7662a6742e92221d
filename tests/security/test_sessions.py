"""Sessions: a new key at every log-in (a session planted before log-in is worth nothing), the
session deleted at log-out, and a new key at a password change that keeps this browser logged
in and logs every other browser out."""

from __future__ import annotations

from importlib import import_module

import pytest
from django.conf import settings
from django.shortcuts import resolve_url
from django.test import Client
from django.urls import reverse

from tests.security.world import PASSWORD

NEW_PASSWORD = "a-brand-new-passphrase-for-2026"


def _store():
    return import_module(settings.SESSION_ENGINE).SessionStore


def _key(client: Client) -> str:
    return client.cookies[settings.SESSION_COOKIE_NAME].value


def _planted(client: Client) -> str:
    """A session the browser holds before logging in (what a fixation attack plants)."""
    session = client.session
    session["planted"] = True
    session.save()
    return _key(client)


def _logged_in_as(key: str) -> bool:
    """Does a browser presenting this session key get a learner's page?"""
    stranger = Client()
    stranger.cookies[settings.SESSION_COOKIE_NAME] = key
    response = stranger.get(reverse("study:dashboard"))
    if response.status_code == 302:
        assert response["Location"].startswith(resolve_url(settings.LOGIN_URL))
        return False
    assert response.status_code == 200
    return True


@pytest.mark.parametrize("login_url", ["accounts:login", "admin:login"], ids=["portal", "admin"])
def test_log_in_rotates_the_session(world, login_url):
    client = Client()
    planted = _planted(client)
    user = world.staff if login_url == "admin:login" else world.learner
    response = client.post(reverse(login_url), {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302, response.content.decode()[:500]

    fresh = _key(client)
    assert fresh != planted
    assert not _store()().exists(planted), "the pre-log-in session survived the log-in"
    assert not _logged_in_as(planted)
    assert _logged_in_as(fresh)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie["httponly"], "the session cookie is readable from JavaScript"
    assert cookie["samesite"].lower() in ("lax", "strict")


def test_sign_up_logs_in_on_a_new_session(world):
    client = Client()
    planted = _planted(client)
    response = client.post(
        reverse("accounts:signup"),
        {
            "username": "newcomer",
            "display_name": "New",
            "time_zone": "UTC",
            "password1": NEW_PASSWORD,
            "password2": NEW_PASSWORD,
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert _key(client) != planted
    assert not _logged_in_as(planted)
    assert _logged_in_as(_key(client))


def test_log_out_deletes_the_session(world):
    client = Client()
    client.post(reverse("accounts:login"), {"username": "ada", "password": PASSWORD})
    key = _key(client)
    assert _logged_in_as(key)

    response = client.post(reverse("accounts:logout"))
    assert response.status_code in (200, 302)
    assert not _store()().exists(key), "the session outlived the log-out"
    assert not _logged_in_as(key), "the old session key still logs in"
    assert client.get(reverse("study:dashboard")).status_code == 302


def test_a_password_change_rotates_the_session_and_ends_the_others(world):
    here, elsewhere = Client(), Client()
    for client in (here, elsewhere):
        client.post(reverse("accounts:login"), {"username": "ada", "password": PASSWORD})
    before = _key(here)
    assert _logged_in_as(before) and _logged_in_as(_key(elsewhere))

    response = here.post(
        reverse("accounts:password_change"),
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    after = _key(here)
    assert after != before, "the session key survived the password change"
    assert not _logged_in_as(before)
    assert here.get(reverse("study:dashboard")).status_code == 200, "this browser was logged out"
    assert not _logged_in_as(_key(elsewhere)), "another browser is still logged in"
