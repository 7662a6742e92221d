"""What Django 5.2 does not do for us: a Content Security Policy with a per-request nonce (Django
6.0 has one built in), and the client's address as seen through trusted proxies.

The policy comes from settings.CONTENT_SECURITY_POLICY, a dict of directive -> sources, where
"{nonce}" stands for this request's nonce ('nonce-…'). Every script and stylesheet is a file under
'self'; the exercise page also hands its nonce to static/js/editor.js, which passes it on to
CodeMirror for the styles that library injects (EditorView.cspNonce). A page that uses
`{{ request.csp_nonce }}` must not be served from a cache (apps/content/page_cache.py caches
visitors' pages), since a cached copy carries an old nonce the new header does not allow.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.http import url_has_allowed_host_and_scheme

HEADER = "Content-Security-Policy"
REPORT_ONLY_HEADER = "Content-Security-Policy-Report-Only"
NONCE_PLACEHOLDER = "{nonce}"


def policy_template(directives: dict[str, str]) -> str:
    return "; ".join(f"{name} {sources}".strip() for name, sources in directives.items())


class ContentSecurityPolicyMiddleware:
    """Gives every request a fresh nonce (`request.csp_nonce`) and every response the policy,
    unless the view already set its own Content-Security-Policy header.

    With DEBUG on, 404 and 500 responses are Django's technical pages, all inline styles and
    scripts: they get the policy as Report-Only, so they stay readable and the console still
    says what production would refuse. Production's own error pages are under the policy."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response
        self.template = policy_template(settings.CONTENT_SECURITY_POLICY)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        nonce = secrets.token_urlsafe(18)
        request.csp_nonce = nonce  # type: ignore[attr-defined]  # read by templates and views
        response = self.get_response(request)
        if HEADER in response or REPORT_ONLY_HEADER in response:
            return response
        header = HEADER
        if settings.DEBUG and response.status_code in (404, 500):
            header = REPORT_ONLY_HEADER
        response[header] = self.template.replace(NONCE_PLACEHOLDER, f"'nonce-{nonce}'")
        return response


def client_ip(request: HttpRequest) -> str:
    """The address of the browser at the other end.

    REMOTE_ADDR unless settings.TRUSTED_PROXY_COUNT says that many proxies (a load balancer, a
    reverse proxy) stand in front of the application and each appends the address it saw to
    X-Forwarded-For: then the client is the entry the outermost trusted proxy appended, counted
    from the right. Entries further left were written by the client and prove nothing.
    """
    remote = request.META.get("REMOTE_ADDR", "")
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies <= 0:
        return remote
    forwarded = [
        part.strip()
        for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
        if part.strip()
    ]
    if len(forwarded) < proxies:
        # The request did not come through every proxy: the peer is all we know.
        return remote
    return forwarded[-proxies]


def safe_next_url(request: HttpRequest, candidate: str | None, default: str = "") -> str:
    """`candidate` when it points into this site (a path or this host, same scheme or an
    upgrade to https), else `default`. `//evil.example`, `/\\evil.example`, `javascript:` and
    other hosts all fall back."""
    if candidate and url_is_safe(request, candidate):
        return candidate
    return default


def url_is_safe(request: HttpRequest, url: str) -> bool:
    return url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
