"""A database that is busy for a moment is not a bug: answer "busy, try again" with HTTP 503.

SQLite gives up on a write lock held longer than its busy timeout (settings: OPTIONS["timeout"])
with `OperationalError: database is locked`; PostgreSQL cancels a statement past its lock or
statement timeout, and a restarting server refuses connections. Each is over in seconds and
nothing was saved half-way (the write's transaction rolled back), so the learner gets a short
page saying so, with Retry-After, instead of the 500 page. Every other error goes on to the 500
handler as before.

`DatabaseBusyMiddleware` answers for errors raised in views; `apps.core.views.server_error` uses
`busy_response` for the rest (a session saved by middleware, say).
"""

from __future__ import annotations

import logging

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse
from django.template.loader import get_template

logger = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 5

# Lower-cased fragments of the messages for conditions that pass by themselves.
TRANSIENT_MESSAGES = (
    # SQLite
    "database is locked",
    "database table is locked",
    "database is busy",
    # PostgreSQL
    "lock timeout",
    "statement timeout",
    "deadlock detected",
    "could not serialize access",
    "could not connect",
    "connection refused",
    "server closed the connection",
    "terminating connection",
    "connection timed out",
    "the database system is starting up",
    "the database system is shutting down",
    "too many clients",
    "connection already closed",
)


def is_database_busy(exc: BaseException | None) -> bool:
    if not isinstance(exc, OperationalError | InterfaceError):
        return False
    text = str(exc).lower()
    return any(fragment in text for fragment in TRANSIENT_MESSAGES)


def busy_response(request: HttpRequest) -> HttpResponse:
    """The 503 page, or its message alone for htmx (portal.js shows it). Rendered without
    context processors: they would query the busy database."""
    name = "503.html#message" if request.headers.get("HX-Request") == "true" else "503.html"
    response = HttpResponse(get_template(name).render({}), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


class DatabaseBusyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception):
        if not is_database_busy(exception):
            return None
        logger.warning(
            "database busy: %s %s answered 503 (%s)", request.method, request.path, exception
        )
        return busy_response(request)
