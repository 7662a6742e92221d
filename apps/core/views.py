"""Friendly error pages, the benchmarks' floor and the health check."""

import sys

from django.contrib.auth.decorators import login_not_required
from django.http import HttpResponse, HttpResponseServerError, JsonResponse
from django.shortcuts import render
from django.template.loader import get_template
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_safe

from apps.core.db_busy import busy_response, is_database_busy
from apps.core.health import health_report


def page_not_found(request, exception):
    return render(request, "404.html", status=404)


def server_error(request):
    # A database busy for a moment outside a view (a session saved by middleware): 503, not 500.
    if is_database_busy(sys.exc_info()[1]):
        return busy_response(request)
    # Rendered without context processors: they may need the database that just failed.
    return HttpResponseServerError(get_template("500.html").render({}))


@require_GET
def ping(request):
    """The cheapest response the stack can give: the floor benchmarks compare against."""
    return HttpResponse("ok", content_type="text/plain")


@login_not_required
@never_cache
@require_safe
def healthz(request):
    """Database, Redis and sandbox preflight as JSON: 503 when the database or Redis is down,
    200 otherwise (`degraded` when only the sandbox fails). See apps/core/health.py."""
    report = health_report()
    return JsonResponse(report, status=503 if report["status"] == "down" else 200)
