"""Friendly error pages."""

from django.http import HttpResponse, HttpResponseServerError
from django.shortcuts import render
from django.template.loader import get_template
from django.views.decorators.http import require_GET


def page_not_found(request, exception):
    return render(request, "404.html", status=404)


def server_error(request):
    # Rendered without context processors: they may need the database that just failed.
    return HttpResponseServerError(get_template("500.html").render({}))


@require_GET
def ping(request):
    """The cheapest response the stack can give: the floor benchmarks compare against."""
    return HttpResponse("ok", content_type="text/plain")
