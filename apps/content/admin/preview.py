"""The live Markdown preview: a textarea followed by its rendered preview, refreshed by htmx from
a staff-only view that renders with the same render-and-sanitise function as the loader."""

from __future__ import annotations

from django import forms
from django.http import HttpResponse, HttpResponseBadRequest
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_POST

from apps.content.rendering import render_markdown

PREVIEW_URL_NAME = "content_markdown_preview"
EMPTY_PREVIEW = '<p class="md-preview-empty">Nothing to show yet.</p>'


class MarkdownPreviewWidget(forms.Textarea):
    """A Markdown textarea followed by its rendered preview. htmx posts the field (and only it)
    to the preview view as the author types; without JavaScript the preview shows the text as
    it was when the page loaded."""

    def __init__(self, attrs=None):
        super().__init__({"class": "vLargeTextField", **(attrs or {})})

    def render(self, name, value, attrs=None, renderer=None):
        attrs = dict(attrs or {})
        element_id = attrs.get("id") or f"id_{name}"
        preview_id = f"{element_id}-preview"
        attrs.update(
            {
                "hx-post": f"{reverse(f'admin:{PREVIEW_URL_NAME}')}?field={name}",
                "hx-trigger": "input changed delay:400ms",
                "hx-target": f"#{preview_id}",
                "hx-swap": "innerHTML",
                "hx-params": f"{name},csrfmiddlewaretoken",
                "hx-sync": "this:replace",
                "aria-describedby": f"{preview_id}-label",
            }
        )
        textarea = super().render(name, value, attrs, renderer)
        return format_html(
            '{}<div class="md-preview-wrap">'
            '<p class="md-preview-label" id="{}-label">Preview, rendered and sanitised as on '
            "the site:</p>"
            '<div class="md-preview" id="{}" aria-live="polite">{}</div></div>',
            textarea,
            preview_id,
            preview_id,
            mark_safe(render_markdown(value or "") or EMPTY_PREVIEW),  # noqa: S308 - sanitised
        )


@require_POST
def markdown_preview(request):
    """The preview fragment: the posted field rendered exactly as an import would store it."""
    field = request.GET.get("field", "")
    if field not in request.POST:
        return HttpResponseBadRequest("nothing to preview")
    html = render_markdown(request.POST[field].replace("\r\n", "\n"))
    return HttpResponse(html or EMPTY_PREVIEW)
