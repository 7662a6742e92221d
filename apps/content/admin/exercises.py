"""The exercise admin: saving an exercise starts its background check in the jail (an exercise
whose code changed stays unpublished until it passes), "Run the check again" as an action, and
the check's report on the change page."""

from __future__ import annotations

from django.contrib import admin, messages
from django.utils.html import format_html, format_html_join

from apps.content import check_requests, services
from apps.content.admin.course import CourseItemAdmin
from apps.content.admin.forms import ExerciseForm
from apps.content.models import Exercise, ExerciseCard


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
        unpublish = check_requests.code_changed(before=before, exercise=obj)
        check_requests.exercise_check_request(exercise=obj, unpublish=unpublish)
        if unpublish:
            messages.info(
                request,
                f"“{obj.title}” is being checked in the jail; learners see it again once its "
                "reference passes and every wrong solution fails.",
            )

    @admin.action(description="Run the check again")
    def check_again(self, request, queryset):
        for exercise in queryset:
            check_requests.exercise_check_request(exercise=exercise, unpublish=False)
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
