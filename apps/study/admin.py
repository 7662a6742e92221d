"""Read-only views of learners' study rows for staff: reviews are append-only and schedules
change only through review_record, so nothing here edits them."""

from django.contrib import admin

from apps.study.models import CardState, MemoryFit, MockInterview, ReviewLog, StudyPlan


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(CardState)
class CardStateAdmin(ReadOnlyAdmin):
    list_display = ("user", "card", "state", "due", "stability", "reps", "lapses")
    list_filter = ("state",)
    search_fields = ("user__username", "card__slug")
    list_select_related = ("user", "card")


@admin.register(ReviewLog)
class ReviewLogAdmin(ReadOnlyAdmin):
    list_display = ("reviewed_at", "user", "card", "rating", "source", "duration_ms")
    list_filter = ("source", "rating")
    search_fields = ("user__username", "card__slug")
    list_select_related = ("user", "card")
    date_hierarchy = "reviewed_at"


@admin.register(StudyPlan)
class StudyPlanAdmin(ReadOnlyAdmin):
    list_display = (
        "user", "new_cards_per_day", "interview_date", "target_recall", "budget_minutes",
        "budget_reviews",
    )  # fmt: skip
    search_fields = ("user__username",)


@admin.register(MockInterview)
class MockInterviewAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "user", "seconds_per_question", "finished_at")
    search_fields = ("user__username",)


@admin.register(MemoryFit)
class MemoryFitAdmin(ReadOnlyAdmin):
    """Every fit, adopted or not, with its held-out scores: why a learner is scheduled so."""

    list_display = (
        "created_at", "user", "adopted", "reviews", "test_items", "log_loss",
        "previous_log_loss", "population_log_loss", "rmse_bins", "seconds",
    )  # fmt: skip
    list_filter = ("adopted",)
    search_fields = ("user__username", "note")
    list_select_related = ("user",)
    date_hierarchy = "created_at"
