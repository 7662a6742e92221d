"""Give every request an id, log it on everything the request does, and write one access line.

The id comes from the client's (or load balancer's) X-Request-ID when that is a sane token
(≤64 of [A-Za-z0-9._-]), else it is a new uuid4 hex. It is echoed in the response's X-Request-ID
and carried to Celery tasks the request publishes (portal/celery.py).
"""

from __future__ import annotations

import logging
import time

from django.utils.functional import SimpleLazyObject

from apps.core.logging import (
    REQUEST_ID_HEADER,
    new_request_id,
    request_id_bound,
    sane_request_id,
)

access_logger = logging.getLogger("portal.access")


class RequestIdMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request_id = sane_request_id(request.headers.get(REQUEST_ID_HEADER)) or new_request_id()
        request.request_id = request_id
        started = time.perf_counter()
        with request_id_bound(request_id):
            response = self.get_response(request)
            response[REQUEST_ID_HEADER] = request_id
            duration_ms = round((time.perf_counter() - started) * 1000, 1)
            # Load balancers probe /healthz every few seconds: a healthy answer is not news.
            quiet = request.path == "/healthz" and response.status_code == 200
            access_logger.log(
                logging.DEBUG if quiet else logging.INFO,
                "%s %s %s %.1fms",
                request.method,
                request.path,
                response.status_code,
                duration_ms,
                extra={
                    "method": request.method,
                    "path": request.path,
                    "status": response.status_code,
                    "duration_ms": duration_ms,
                    "user_id": _user_id(request),
                },
            )
        return response


def _user_id(request) -> int | None:
    # Only a user the request already loaded: the access line never costs a query of its own.
    # Log-in and log-out replace the lazy `request.user` with the real one.
    user = request.__dict__.get("user")
    if type(user) is SimpleLazyObject:
        user = getattr(request, "_cached_user", None)  # AuthenticationMiddleware's cache
    return user.pk if user is not None and user.is_authenticated else None
