"""Whole-page caching for visitors who are not signed in.

Every visitor sees the same lesson, track and home pages, so they are rendered once per content
generation and per process, then served from memory. The key carries the content generation
(bumped by every content write), so an import or an admin edit shows on the next request. Signed-in
learners, requests with a session or flash messages, and non-200 responses are never cached.
"""

from collections.abc import Callable
from functools import wraps

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse

from apps.content.selectors import content_generation

TIMEOUT = 3600


def _plain_visitor(request: HttpRequest) -> bool:
    return (
        request.method == "GET"
        and not request.META.get("QUERY_STRING")  # the page echoes it (the log-in link's next)
        and not request.user.is_authenticated
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
        and "messages" not in request.COOKIES
        and not request.headers.get("HX-Request")
    )


def cache_for_visitors(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not _plain_visitor(request):
            return view(request, *args, **kwargs)
        key = f"visitor-page:{content_generation()}:{request.path}"
        content = cache.get(key)
        if content is not None:
            return HttpResponse(content)
        response = view(request, *args, **kwargs)
        # A page that rendered a CSRF token is personal: never share it.
        personal = request.META.get("CSRF_COOKIE_NEEDS_UPDATE") or response.cookies
        if response.status_code == 200 and not personal:
            cache.set(key, response.content, TIMEOUT)
        return response

    return wrapper
