"""Staff edit the course here. Every Markdown field shows a live preview rendered by the same
render-and-sanitise function the loader uses; the forms apply the loader's rules (field errors
inline), so whatever is saved here exports back to content/ and imports unchanged. Each save is
recorded in the edit history, and saving an exercise starts its background check in the jail.
"""

from __future__ import annotations

import dataclasses
import difflib
import json
import re

from django import forms
from django.contrib import admin, messages
from django.http import HttpResponse, HttpResponseBadRequest
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_POST

from apps.content import checks, history, services
from apps.content.loader import (
    FOLLOW_UPS,
    HINT_MAX_CHARS,
    HINTS,
    KEY_POINT_MAX_CHARS,
    KEY_POINTS,
    LANGUAGES,
    MISTAKE_EXPLANATION_MAX_CHARS,
    MISTAKE_TITLE_MAX_CHARS,
    SLUG_RE,
    coaching_text_problem,
    key_point_problem,
)
from apps.content.models import Card, Exercise, ExerciseCard, Lesson, Track
from apps.content.rendering import render_markdown
from apps.sandbox.limits import Limits

PREVIEW_URL_NAME = "content_markdown_preview"
CARD_DELIMITER = re.compile(r"^\+\+\+[ \t]*$", re.MULTILINE)
EMPTY_PREVIEW = '<p class="md-preview-empty">Nothing to show yet.</p>'


# Live preview --------------------------------------------------------------------------------


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


# Forms: the loader's rules, checked field by field ---------------------------------------------


class CourseItemForm(forms.ModelForm):
    """Newlines as the files have them (browsers post CRLF), slugs as the loader wants them."""

    def clean(self):
        cleaned = super().clean()
        for name, value in cleaned.items():
            if isinstance(value, str) and "\r" in value:
                cleaned[name] = value.replace("\r\n", "\n").replace("\r", "\n")
        return cleaned

    def clean_slug(self):
        slug = self.cleaned_data["slug"]
        if not SLUG_RE.match(slug):
            raise forms.ValidationError("Lowercase words joined by '-', like 'ms-circuit-breaker'.")
        return slug


def _no_card_delimiter(value: str, what: str) -> str:
    if CARD_DELIMITER.search(value):
        raise forms.ValidationError(
            f"{what} cannot contain a line that is only '+++': it separates cards in lesson files."
        )
    return value


class LinesField(forms.CharField):
    """A list of short texts, one per line (key points, follow-up questions)."""

    widget = forms.Textarea(attrs={"rows": 6, "class": "vLargeTextField"})

    def __init__(self, *, bounds: tuple[int, int], line_rule=None, **kwargs):
        self.bounds = bounds
        self.line_rule = line_rule  # the loader's rule for one line: its problem, or None
        super().__init__(**kwargs)

    def prepare_value(self, value):
        if isinstance(value, list):
            return "\n".join(value)
        return value

    def to_python(self, value):
        text = super().to_python(value) or ""
        return [line.strip() for line in text.splitlines() if line.strip()]

    def validate(self, value):
        low, high = self.bounds
        if not low <= len(value) <= high:
            raise forms.ValidationError(f"Give {low} to {high} lines; there are {len(value)}.")
        if self.line_rule:
            errors = [
                forms.ValidationError(f"Line {number} {problem}.")
                for number, line in enumerate(value, start=1)
                if (problem := self.line_rule(line))
            ]
            if errors:
                raise forms.ValidationError(errors)


class TrackForm(CourseItemForm):
    class Meta:
        model = Track
        fields = ["slug", "title", "summary", "order", "intro_md", "is_retired"]
        widgets = {"intro_md": MarkdownPreviewWidget(attrs={"rows": 12})}


class LessonForm(CourseItemForm):
    class Meta:
        model = Lesson
        fields = ["slug", "track", "title", "summary", "order", "intro_md", "is_retired"]
        widgets = {"intro_md": MarkdownPreviewWidget(attrs={"rows": 10})}

    def clean_intro_md(self):
        return _no_card_delimiter(self.cleaned_data["intro_md"], "The introduction")


class CardForm(CourseItemForm):
    key_points = LinesField(
        bounds=KEY_POINTS,
        line_rule=key_point_problem,
        help_text=f"One per line, {KEY_POINTS[0]} to {KEY_POINTS[1]}: what a good spoken answer "
        f"must hit (the mock-interview rubric). One claim per line, at most {KEY_POINT_MAX_CHARS} "
        "characters, no ';'.",
    )
    follow_ups = LinesField(
        bounds=FOLLOW_UPS,
        required=False,
        help_text="One per line: what an interviewer asks next (optional).",
    )

    class Meta:
        model = Card
        fields = [
            "slug", "lesson", "kind", "order", "is_retired", "question_md", "answer_md",
            "key_points", "follow_ups", "pitfall_md",
        ]  # fmt: skip
        widgets = {
            "question_md": MarkdownPreviewWidget(attrs={"rows": 3}),
            "answer_md": MarkdownPreviewWidget(attrs={"rows": 18}),
            "pitfall_md": MarkdownPreviewWidget(attrs={"rows": 5}),
        }
        labels = {"question_md": "Question", "answer_md": "Answer", "pitfall_md": "Pitfall"}
        help_texts = {
            "order": "Position in the lesson; the lesson file lists cards in this order.",
            "pitfall_md": "For trick questions: the tempting wrong answer and why it is wrong.",
        }

    def clean_answer_md(self):
        return _no_card_delimiter(self.cleaned_data["answer_md"], "The answer")


CODE_FIELDS = ("starter_code", "example_tests", "hidden_tests", "solution_code")


class HintsField(forms.CharField):
    """An exercise's hints, one per paragraph (a blank line between two hints), in order,
    edited with the live preview; validated by the loader's rules."""

    def __init__(self, **kwargs):
        kwargs.setdefault("widget", MarkdownPreviewWidget(attrs={"rows": 10}))
        super().__init__(**kwargs)

    def prepare_value(self, value):
        if isinstance(value, list):
            return "\n\n".join(value)
        return value

    def to_python(self, value):
        text = (super().to_python(value) or "").replace("\r\n", "\n")
        return [" ".join(part.split()) for part in re.split(r"\n\s*\n", text) if part.strip()]

    def validate(self, value):
        low, high = HINTS
        if not low <= len(value) <= high:
            raise forms.ValidationError(f"Give {low} to {high} hints; there are {len(value)}.")
        errors = [
            forms.ValidationError(f"Hint {number} {problem}.")
            for number, hint in enumerate(value, start=1)
            if (problem := coaching_text_problem(hint, HINT_MAX_CHARS))
        ]
        if errors:
            raise forms.ValidationError(errors)


class ExerciseForm(CourseItemForm):
    wrong_solutions = forms.JSONField(
        help_text='File name to source of each classic mistake, e.g. {"promise-all.js": "…"}. '
        "Each must fail the hidden tests; the check proves it.",
        widget=forms.Textarea(attrs={"rows": 10, "class": "vLargeTextField code"}),
    )
    alternative_solutions = forms.JSONField(
        required=False,
        help_text="Optional: file name to source of other correct solutions of other shapes, "
        'e.g. {"then-chains.js": "…"}. Each must pass the hidden tests; the check proves it.',
        widget=forms.Textarea(attrs={"rows": 6, "class": "vLargeTextField code"}),
    )
    hints = HintsField(
        help_text=f"{HINTS[0]} to {HINTS[1]} hints, one per paragraph (a blank line between "
        "two), from the concept to the approach, never the code. Learners reveal them one at a "
        "time; each lowers the review the exercise records.",
    )
    mistakes = forms.JSONField(
        help_text="For each wrong solution, what learners read when their code makes that "
        'mistake: a JSON object keyed by file name (e.g. "promise-all.js"), each with a '
        '"title" and an "explanation". Why it is wrong and what to think about, no code.',
        widget=forms.Textarea(attrs={"rows": 10, "class": "vLargeTextField"}),
    )
    limits = forms.JSONField(
        required=False,
        help_text='Optional, e.g. {"wall_seconds": 10, "memory_mb": 256}: names and bounds '
        "in docs/exercise-format.md.",
        widget=forms.Textarea(attrs={"rows": 3, "class": "vLargeTextField code"}),
    )

    class Meta:
        model = Exercise
        fields = [
            "slug", "title", "language", "order", "is_retired", "prompt_md",
            "interview_angle_md", "starter_code", "example_tests", "hidden_tests",
            "solution_code", "wrong_solutions", "alternative_solutions", "hints", "mistakes",
            "limits",
        ]  # fmt: skip
        widgets = {
            "prompt_md": MarkdownPreviewWidget(attrs={"rows": 16}),
            "interview_angle_md": MarkdownPreviewWidget(attrs={"rows": 6}),
            **{
                name: forms.Textarea(attrs={"rows": 14, "class": "vLargeTextField code"})
                for name in CODE_FIELDS
            },
        }
        labels = {"prompt_md": "Prompt", "interview_angle_md": "Interview angle"}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in CODE_FIELDS:
            self.fields[name].strip = False  # code keeps its final newline, as in the files

    def clean_limits(self):
        limits = self.cleaned_data.get("limits") or {}
        if not isinstance(limits, dict):
            raise forms.ValidationError("Limits must be a JSON object.")
        return limits

    def clean(self):
        cleaned = super().clean()
        wrong = cleaned.get("wrong_solutions")
        language = cleaned.get("language")
        if wrong is not None and language in LANGUAGES:
            ext = LANGUAGES[language]
            if not isinstance(wrong, dict) or not wrong:
                self.add_error("wrong_solutions", "Give at least one wrong solution.")
            else:
                for name, source in wrong.items():
                    if not re.fullmatch(rf"[a-z0-9][a-z0-9-]*\.{ext}", name):
                        self.add_error(
                            "wrong_solutions",
                            f"{name!r}: names are lowercase words joined by '-', ending .{ext}.",
                        )
                    elif not isinstance(source, str) or not source.strip():
                        self.add_error("wrong_solutions", f"{name!r} has no source.")
        mistakes = cleaned.get("mistakes")
        if mistakes is not None:
            self._check_mistakes(mistakes, wrong if isinstance(wrong, dict) else {})
        alternatives = cleaned.get("alternative_solutions")
        if alternatives is None:
            cleaned["alternative_solutions"] = {}
        elif not isinstance(alternatives, dict):
            self.add_error("alternative_solutions", "Alternatives must be a JSON object.")
        elif language in LANGUAGES:
            for name, source in alternatives.items():
                if not re.fullmatch(rf"[a-z0-9][a-z0-9-]*\.{LANGUAGES[language]}", name):
                    self.add_error(
                        "alternative_solutions",
                        f"{name!r}: names are lowercase words joined by '-', ending "
                        f".{LANGUAGES[language]}.",
                    )
                elif not isinstance(source, str) or not source.strip():
                    self.add_error("alternative_solutions", f"{name!r} has no source.")
        for name in CODE_FIELDS:
            if name in cleaned and not cleaned[name].strip():
                self.add_error(name, "This file cannot be empty.")
        limits = cleaned.get("limits")
        if limits and language in LANGUAGES:
            # The sandbox's own Limits decide, as they do for the loader.
            try:
                Limits.for_language(language, **limits)
            except TypeError:
                known = ", ".join(f.name for f in dataclasses.fields(Limits))
                self.add_error("limits", f"Unknown limit name (allowed: {known}).")
            except ValueError as exc:
                self.add_error("limits", str(exc))
        return cleaned

    def _check_mistakes(self, mistakes, wrong: dict) -> None:
        """The loader's rules: every wrong solution has a title and an explanation, no entry
        names a file that is not there, and neither shows code."""
        if not isinstance(mistakes, dict):
            self.add_error("mistakes", "Mistakes must be a JSON object keyed by file name.")
            return
        for name in wrong:
            if name not in mistakes:
                self.add_error(
                    "mistakes", f"{name!r} has no entry: give it a title and explanation."
                )
        for name, entry in mistakes.items():
            if name not in wrong:
                self.add_error("mistakes", f"{name!r} names no wrong solution.")
                continue
            if not isinstance(entry, dict) or set(entry) != {"title", "explanation"}:
                self.add_error("mistakes", f"{name!r}: give exactly a title and an explanation.")
                continue
            for key, limit in (
                ("title", MISTAKE_TITLE_MAX_CHARS),
                ("explanation", MISTAKE_EXPLANATION_MAX_CHARS),
            ):
                text = entry[key]
                if not isinstance(text, str) or not text.strip():
                    self.add_error("mistakes", f"{name!r}: the {key} is empty.")
                elif problem := coaching_text_problem(text.strip(), limit):
                    self.add_error("mistakes", f"{name!r}: the {key} {problem}.")


# History and check status, shown on the change page -------------------------------------------


def _diff(before, after) -> str:
    if isinstance(before, str) and isinstance(after, str) and ("\n" in before or "\n" in after):
        lines = difflib.unified_diff(
            before.splitlines(), after.splitlines(), "before", "after", lineterm="", n=1
        )
        return "\n".join(list(lines)[2:])
    return f"- {json.dumps(before, ensure_ascii=False)}\n+ {json.dumps(after, ensure_ascii=False)}"


def edit_history_html(obj) -> str:
    if obj is None or obj.pk is None:
        return "Saved edits appear here."
    edits = list(history.edit_history(obj=obj, limit=20))
    if not edits:
        return "No edits in the admin yet (the item comes from content/)."
    rows = format_html_join(
        "",
        "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
        (
            (
                edit.created_at.strftime("%Y-%m-%d %H:%M:%S UTC"),
                edit.user_name or "(deleted account)",
                format_html_join(
                    "",
                    '<details class="edit-change"><summary>{}</summary><pre>{}</pre></details>',
                    (
                        (name, _diff(before, after))
                        for name, (before, after) in edit.changes.items()
                    ),
                )
                if not edit.created
                else "created",
            )
            for edit in edits
        ),
    )
    return format_html(
        '<table class="edit-history"><thead><tr><th scope="col">When</th>'
        '<th scope="col">Who</th><th scope="col">What changed</th></tr></thead>'
        "<tbody>{}</tbody></table>",
        rows,
    )


# Admins --------------------------------------------------------------------------------------


class CourseItemAdmin(admin.ModelAdmin):
    """Renders with the loader's service, records the edit, bumps the content generation."""

    render = staticmethod(lambda obj: None)
    readonly_fields = ("edit_history",)

    def get_readonly_fields(self, request, obj=None):
        # Ids are stable: progress hangs on them, and the files are named after them.
        fields = tuple(self.readonly_fields)
        return ("slug", *fields) if obj is not None else fields

    def save_model(self, request, obj, form, change):
        form.saved_before = history.snapshot_saved(obj) if change else {}
        type(self).render(obj)
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        before = getattr(form, "saved_before", {})
        history.edit_record(user=request.user, obj=form.instance, before=before)
        self.after_save(request, form.instance, before)
        services.content_generation_bump()

    def after_save(self, request, obj, before: dict) -> None:
        pass

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        services.content_generation_bump()

    @admin.display(description="Edit history")
    def edit_history(self, obj):
        return edit_history_html(obj)


class PreviewHostAdmin(CourseItemAdmin):
    """Hosts the preview view at admin/content/preview/ (staff only, CSRF-protected)."""

    def get_urls(self):
        preview = path(
            "preview/",
            self.admin_site.admin_view(markdown_preview),
            name=PREVIEW_URL_NAME,
        )
        return [preview, *super().get_urls()]


@admin.register(Track)
class TrackAdmin(CourseItemAdmin):
    form = TrackForm
    list_display = ("title", "slug", "order", "is_retired")
    list_filter = ("is_retired",)
    search_fields = ("title", "slug")
    fields = ("slug", "title", "summary", "order", "is_retired", "intro_md", "edit_history")
    render = staticmethod(lambda obj: services.track_render(track=obj))


@admin.register(Lesson)
class LessonAdmin(CourseItemAdmin):
    form = LessonForm
    list_display = ("title", "slug", "track", "order", "is_retired")
    list_filter = ("track", "is_retired")
    search_fields = ("title", "slug")
    fields = (
        "slug", "track", "title", "summary", "order", "is_retired", "intro_md", "edit_history",
    )  # fmt: skip
    render = staticmethod(lambda obj: services.lesson_render(lesson=obj))


@admin.register(Card)
class CardAdmin(PreviewHostAdmin):
    form = CardForm
    list_display = ("slug", "kind", "lesson", "order", "is_retired")
    list_filter = ("kind", "lesson__track", "is_retired")
    search_fields = ("slug", "question_md", "answer_md")
    fieldsets = (
        (None, {"fields": ("slug", "lesson", "kind", "order", "is_retired")}),
        ("Question and answer", {"fields": ("question_md", "answer_md")}),
        ("For the interview", {"fields": ("key_points", "follow_ups", "pitfall_md")}),
        ("Edit history", {"fields": ("edit_history",)}),
    )
    render = staticmethod(lambda obj: services.card_render(card=obj))


class ExerciseCardInline(admin.TabularInline):
    model = ExerciseCard
    extra = 0
    autocomplete_fields = ("card",)


@admin.register(Exercise)
class ExerciseAdmin(CourseItemAdmin):
    form = ExerciseForm
    list_display = ("title", "slug", "language", "is_published", "check_status", "is_retired")
    list_filter = ("language", "is_published", "check_status", "is_retired")
    search_fields = ("title", "slug")
    readonly_fields = ("check_summary", "is_published", "edit_history")
    inlines = (ExerciseCardInline,)
    actions = ("check_again",)
    fieldsets = (
        (None, {"fields": ("slug", "title", "language", "order", "is_retired")}),
        ("Published", {"fields": ("is_published", "check_summary")}),
        ("Prompt", {"fields": ("prompt_md", "interview_angle_md")}),
        (
            "Code",
            {"fields": ("starter_code", "example_tests", "hidden_tests", "solution_code")},
        ),
        (
            "Mistakes, alternatives and limits",
            {"fields": ("wrong_solutions", "alternative_solutions", "limits")},
        ),
        ("Coaching: hints, and each mistake in words", {"fields": ("hints", "mistakes")}),
        ("Edit history", {"fields": ("edit_history",)}),
    )
    render = staticmethod(lambda obj: services.exercise_render(exercise=obj))

    def after_save(self, request, obj, before: dict) -> None:
        unpublish = checks.code_changed(before=before, exercise=obj)
        checks.exercise_check_request(exercise=obj, unpublish=unpublish)
        if unpublish:
            messages.info(
                request,
                f"“{obj.title}” is being checked in the jail; learners see it again once its "
                "reference passes and every wrong solution fails.",
            )

    @admin.action(description="Run the check again")
    def check_again(self, request, queryset):
        for exercise in queryset:
            checks.exercise_check_request(exercise=exercise, unpublish=False)
        messages.info(request, f"Checking {queryset.count()} exercise(s) in the background.")

    @admin.display(description="Check")
    def check_summary(self, obj):
        if obj is None or obj.pk is None:
            return "Runs in the jail when you save."
        status = obj.get_check_status_display()
        when = f" at {obj.checked_at:%Y-%m-%d %H:%M:%S} UTC" if obj.checked_at else ""
        items = format_html_join(
            "",
            '<li class="{}">{} {}: {}</li>',
            (
                ("check-ok" if row.get("ok") else "check-bad", "✓" if row.get("ok") else "✗",
                 row.get("label", ""), row.get("detail", ""))
                for row in obj.check_report or []
            ),
        )  # fmt: skip
        return format_html(
            '<p class="check-status check-{}" id="check-status">{}{}</p><ul class="check-report">'
            "{}</ul>",
            obj.check_status or "none",
            status,
            when,
            items,
        )
