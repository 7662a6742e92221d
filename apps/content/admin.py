from django.contrib import admin

from apps.content import services
from apps.content.models import Card, Exercise, ExerciseCard, Lesson, Track


class RenderOnSaveAdmin(admin.ModelAdmin):
    """Staff edits go through the same render-and-sanitise service as the loader."""

    render = staticmethod(lambda obj: None)

    def save_model(self, request, obj, form, change):
        type(self).render(obj)
        super().save_model(request, obj, form, change)
        services.content_generation_bump()

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        services.content_generation_bump()


@admin.register(Track)
class TrackAdmin(RenderOnSaveAdmin):
    list_display = ("title", "slug", "order", "is_retired")
    list_filter = ("is_retired",)
    search_fields = ("title", "slug")
    render = staticmethod(lambda obj: services.track_render(track=obj))


@admin.register(Lesson)
class LessonAdmin(RenderOnSaveAdmin):
    list_display = ("title", "slug", "track", "order", "is_retired")
    list_filter = ("track", "is_retired")
    search_fields = ("title", "slug")
    render = staticmethod(lambda obj: services.lesson_render(lesson=obj))


@admin.register(Card)
class CardAdmin(RenderOnSaveAdmin):
    list_display = ("slug", "kind", "lesson", "order", "is_retired")
    list_filter = ("kind", "lesson__track", "is_retired")
    search_fields = ("slug", "question_md", "answer_md")
    readonly_fields = ("slug",)
    render = staticmethod(lambda obj: services.card_render(card=obj))


class ExerciseCardInline(admin.TabularInline):
    model = ExerciseCard
    extra = 0
    autocomplete_fields = ("card",)


@admin.register(Exercise)
class ExerciseAdmin(RenderOnSaveAdmin):
    list_display = ("title", "slug", "language", "order", "is_retired")
    list_filter = ("language", "is_retired")
    search_fields = ("title", "slug")
    readonly_fields = ("slug",)
    inlines = (ExerciseCardInline,)
    render = staticmethod(lambda obj: services.exercise_render(exercise=obj))
