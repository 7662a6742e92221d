"""Production hardening: the settings refuse to start half-configured, `check --deploy` is clean,
every response carries the security headers and a Content Security Policy without
'unsafe-inline', and no page the portal renders carries inline code that policy would block."""

import json
import os
import re
import secrets
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.http import HttpResponse
from django.test import RequestFactory, override_settings
from django.urls import reverse

from apps.core.security import ContentSecurityPolicyMiddleware, client_ip
from tests.factories import UserFactory

REPO = Path(__file__).resolve().parents[2]


def production_env(tmp_path, **overrides: str) -> dict[str, str]:
    # The test run's own switches (the browser tests allow async-unsafe calls) stay out.
    dropped = {"DEBUG", "DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env = {k: v for k, v in os.environ.items() if k not in dropped}
    env.update(
        DJANGO_SETTINGS_MODULE="portal.settings",
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(50)[:50],
        ALLOWED_HOSTS="example.org",
        PORTAL_VAR_DIR=str(tmp_path),
        LOG_LEVEL="WARNING",
    )
    for name in (
        "SECURE_SSL_REDIRECT",
        "SECURE_COOKIES",
        "SECURE_HSTS_SECONDS",
        "SECURE_PROXY_SSL_HEADER",
        "TRUSTED_PROXY_COUNT",
    ):
        env.pop(name, None)
    env.update(overrides)
    return {k: v for k, v in env.items() if v is not None}


def manage(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


# Production settings ---------------------------------------------------------------------------


@pytest.mark.parametrize("missing", ["SECRET_KEY", "ALLOWED_HOSTS"])
def test_production_refuses_to_start_without(missing, tmp_path):
    env = production_env(tmp_path)
    del env[missing]
    result = manage(env, "check")
    assert result.returncode != 0
    assert f"{missing} must be set when DEBUG is off" in result.stderr


def test_check_deploy_is_clean(tmp_path):
    result = manage(production_env(tmp_path), "check", "--deploy")
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "System check identified no issues" in output, output
    assert "WARNING" not in output


PROBE = """
import json
import django
django.setup()
from django.conf import settings
from django.test import Client, override_settings

client = Client(HTTP_HOST="example.org")
plain = client.get("/ping/")
# Rendered without collectstatic's manifest, which this throwaway checkout does not have.
static = {**settings.STORAGES, "staticfiles": {
    "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
with override_settings(STORAGES=static):
    secure = client.get("/accounts/login/", secure=True)
forwarded = client.get("/ping/", HTTP_X_FORWARDED_PROTO="https")
cookie = secure.cookies["csrftoken"]
print(json.dumps({
    "plain": [plain.status_code, plain.headers.get("Location")],
    "forwarded": forwarded.status_code,
    "hsts": secure.headers.get("Strict-Transport-Security"),
    "csrf_cookie": {"secure": cookie["secure"], "samesite": cookie["samesite"]},
    "session_cookie": [settings.SESSION_COOKIE_SECURE, settings.SESSION_COOKIE_HTTPONLY,
                       settings.SESSION_COOKIE_SAMESITE],
}))
"""


def probe(env: dict[str, str]) -> dict:
    result = subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_production_is_https_only_with_a_year_of_hsts(tmp_path):
    seen = probe(production_env(tmp_path))
    assert seen["plain"] == [301, "https://example.org/ping/"]
    assert seen["hsts"] == "max-age=31536000; includeSubDomains"
    assert seen["csrf_cookie"] == {"secure": True, "samesite": "Lax"}
    assert seen["session_cookie"] == [True, True, "Lax"]
    # Without SECURE_PROXY_SSL_HEADER a client's X-Forwarded-Proto proves nothing.
    assert seen["forwarded"] == 301


def test_behind_a_tls_terminating_load_balancer(tmp_path):
    seen = probe(
        production_env(
            tmp_path, SECURE_PROXY_SSL_HEADER="X-Forwarded-Proto", SECURE_HSTS_SECONDS="600"
        )
    )
    assert seen["forwarded"] == 200
    assert seen["hsts"] == "max-age=600; includeSubDomains"


# Headers on every response ---------------------------------------------------------------------


def csp_of(response) -> dict[str, str]:
    header = response.headers["Content-Security-Policy"]
    return dict(part.strip().split(" ", 1) for part in header.split(";"))


@pytest.mark.django_db
def test_every_page_carries_the_security_headers(client, course):
    for url in (reverse("home"), reverse("accounts:login"), "/no-such-page/"):
        response = client.get(url)
        assert response.headers["X-Frame-Options"] == "DENY"
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Referrer-Policy"] == "same-origin"
        assert response.headers["Cross-Origin-Opener-Policy"] == "same-origin"
        policy = csp_of(response)
        assert policy["default-src"] == "'self'"
        assert policy["object-src"] == "'none'"
        assert policy["frame-ancestors"] == "'none'"
        assert policy["base-uri"] == "'self'"
        assert policy["form-action"] == "'self'"
        assert policy["img-src"] == "'self' data:"
        header = response.headers["Content-Security-Policy"]
        assert "unsafe-inline" not in header and "unsafe-eval" not in header


def test_each_request_gets_its_own_nonce_which_templates_can_use():
    seen = []

    def view(request):
        seen.append(request.csp_nonce)
        return HttpResponse(f'<script nonce="{request.csp_nonce}">1</script>')

    middleware = ContentSecurityPolicyMiddleware(view)
    first = middleware(RequestFactory().get("/"))
    second = middleware(RequestFactory().get("/"))
    assert seen[0] != seen[1] and len(seen[0]) >= 22
    for response, nonce in zip((first, second), seen, strict=True):
        assert csp_of(response)["script-src"] == f"'self' 'nonce-{nonce}'"
        assert csp_of(response)["style-src"] == f"'self' 'nonce-{nonce}'"


def test_a_view_may_send_its_own_policy():
    def view(request):
        response = HttpResponse("x")
        response["Content-Security-Policy"] = "default-src 'none'"
        return response

    response = ContentSecurityPolicyMiddleware(view)(RequestFactory().get("/"))
    assert response.headers["Content-Security-Policy"] == "default-src 'none'"


def test_debug_error_pages_only_report():
    """Django's debug pages (DEBUG on: 404 and 500) are inline styles and scripts."""

    def view(request):
        return HttpResponse("<style>pre {}</style>", status=int(request.GET["status"]))

    middleware = ContentSecurityPolicyMiddleware(view)
    with override_settings(DEBUG=True):
        for status in (404, 500):
            response = middleware(RequestFactory().get("/", {"status": status}))
            assert "Content-Security-Policy" not in response.headers
            assert "'self'" in response.headers["Content-Security-Policy-Report-Only"]
        assert "Content-Security-Policy" in middleware(RequestFactory().get("/?status=200"))
    with override_settings(DEBUG=False):
        assert "Content-Security-Policy" in middleware(RequestFactory().get("/?status=404"))


@pytest.mark.django_db
def test_session_cookie_is_http_only_and_same_site_lax(client, learner, password):
    client.post(reverse("accounts:login"), {"username": "ada", "password": password})
    cookie = client.cookies["sessionid"]
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Lax"


# Client address --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("proxies", "forwarded", "expected"),
    [
        (0, "6.6.6.6", "10.0.0.1"),  # no proxy trusted: the header is the client's own words
        (1, "6.6.6.6, 203.0.113.7", "203.0.113.7"),  # the balancer appended the real peer
        (2, "6.6.6.6, 203.0.113.7, 10.0.0.9", "203.0.113.7"),
        (2, "203.0.113.7", "10.0.0.1"),  # fewer hops than proxies: it bypassed them
        (1, "", "10.0.0.1"),
    ],
)
def test_client_ip(proxies, forwarded, expected):
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR=forwarded)
    with override_settings(TRUSTED_PROXY_COUNT=proxies):
        assert client_ip(request) == expected


# No inline code for the policy to block --------------------------------------------------------


class InlineCode(HTMLParser):
    """Collects what a policy without 'unsafe-inline' blocks: inline <script> and <style>
    bodies, style="" and on*="" attributes, javascript: URLs, htmx's eval'd hx-on."""

    def __init__(self):
        super().__init__()
        self.found: list[str] = []
        self._inline: str | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "script" and "src" not in attrs and attrs.get("type") != "application/json":
            self._inline = "script"
        if tag == "style":
            self._inline = "style"
        for name, value in attrs.items():
            if name == "style" or name.startswith(("on", "hx-on")):
                self.found.append(f"<{tag} {name}={value!r}>")
            if name in {"href", "src", "action"} and (value or "").strip().lower().startswith(
                "javascript:"
            ):
                self.found.append(f"<{tag} {name}={value!r}>")

    def handle_endtag(self, tag):
        self._inline = None

    def handle_data(self, data):
        if self._inline and data.strip():
            self.found.append(f"inline <{self._inline}>: {data.strip()[:60]}")


def inline_code(html: str) -> list[str]:
    parser = InlineCode()
    parser.feed(html)
    return parser.found


def test_the_inline_code_finder_finds_inline_code():
    html = (
        '<script>alert(1)</script><style>p{}</style><p style="color:red" onclick="x()">'
        '<a href="javascript:x()">x</a><button hx-on:click="x()"></button>'
        '<script src="/static/ok.js"></script>'
    )
    assert len(inline_code(html)) == 6


def test_templates_hold_no_inline_code():
    for path in sorted((REPO / "templates").rglob("*.html")):
        text = re.sub(r"{#.*?#}|{% comment %}.*?{% endcomment %}", "", path.read_text(), flags=re.S)
        assert not re.search(r"<style|\sstyle=|\son[a-z]+=|hx-on|javascript:", text), path
        for match in re.finditer(r"<script\b[^>]*>", text):
            assert "src=" in match.group(0), (path, match.group(0))


@pytest.mark.django_db
def test_rendered_pages_hold_no_inline_code(client, course, learner, password):
    from apps.content.models import Card, Exercise, Lesson

    lesson = Lesson.objects.select_related("track").first()
    card = Card.objects.first()
    exercise = Exercise.objects.first()
    for url in (reverse("home"), lesson.get_absolute_url(), reverse("accounts:signup")):
        response = client.get(url)
        assert response.status_code == 200, url
        assert inline_code(response.content.decode()) == [], url

    client.force_login(learner)
    for url in (
        lesson.track.get_absolute_url(),
        lesson.get_absolute_url(),
        reverse("study:review"),
        reverse("study:dashboard"),
        reverse("study:mock_new"),
        reverse("study:data"),
        reverse("exercises:list"),
        exercise.get_absolute_url(),
        reverse("cohorts:index"),
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        assert inline_code(response.content.decode()) == [], url

    staff = UserFactory(username="editor", password=password, superuser=True)
    client.force_login(staff)
    for url in (
        reverse("admin:index"),
        reverse("admin:content_card_changelist"),
        reverse("admin:content_card_change", args=[card.pk]),
        reverse("admin:content_exercise_change", args=[exercise.pk]),
        reverse("admin:accounts_user_change", args=[learner.pk]),
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        assert inline_code(response.content.decode()) == [], url
