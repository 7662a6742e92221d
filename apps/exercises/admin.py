from django.contrib import admin, messages

from apps.exercises import services
from apps.exercises.models import GiveUp, Submission, TestResult


class TestResultInline(admin.TabularInline):
    model = TestResult
    extra = 0
    can_delete = False
    fields = ("position", "name", "status", "message", "output", "file")
    readonly_fields = fields


@admin.register(Submission)
class SubmissionAdmin(admin.ModelAdmin):
    """Read-only: submissions change state only through the grading pipeline."""

    list_display = ("pk", "exercise", "user", "state", "verdict", "attempts", "created_at")
    list_filter = ("state", "verdict", "retryable", "exercise")
    search_fields = ("user__username", "exercise__slug", "task_id", "worker")
    date_hierarchy = "created_at"
    list_select_related = ("exercise", "user")
    inlines = [TestResultInline]
    actions = ["sweep_now"]
    readonly_fields = [field.name for field in Submission._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.action(description="Run the sweep now (re-enqueue stuck submissions)")
    def sweep_now(self, request, queryset):
        summary = services.submissions_sweep()
        self.message_user(
            request,
            f"Requeued {len(summary.requeued)}, retried {len(summary.retried)}"
            + (" — the broker is down." if summary.broker_down else "."),
            messages.WARNING if summary.broker_down else messages.SUCCESS,
        )


@admin.register(GiveUp)
class GiveUpAdmin(admin.ModelAdmin):
    list_display = ("exercise", "user", "created_at")
    list_select_related = ("exercise", "user")
    search_fields = ("user__username", "exercise__slug")
