"""The model admins of the outline (tracks, lessons, cards), and the base every course admin
shares: render with the loader's service, record the edit, bump the content generation."""

from __future__ import annotations

from django.contrib import admin
from django.urls import path

from apps.content import history, services
from apps.content.admin.edit_history import edit_history_html
from apps.content.admin.forms import CardForm, LessonForm, TrackForm
from apps.content.admin.preview import PREVIEW_URL_NAME, markdown_preview
from apps.content.models import Card, Lesson, Track


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
