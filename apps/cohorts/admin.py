from django.contrib import admin

from apps.cohorts.models import Cohort, CohortStats, Membership


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    raw_id_fields = ("user",)
    readonly_fields = ("joined_at",)


@admin.register(Cohort)
class CohortAdmin(admin.ModelAdmin):
    """Staff can hand a cohort to another instructor here; everything else has its page."""

    list_display = ("name", "instructor", "join_code", "interview_date", "created_at")
    search_fields = ("name", "instructor__username", "join_code")
    raw_id_fields = ("instructor",)
    readonly_fields = ("join_code", "created_at")
    inlines = (MembershipInline,)

    def has_add_permission(self, request):
        return False  # cohorts are created on the Cohorts page, which issues the join code


@admin.register(CohortStats)
class CohortStatsAdmin(admin.ModelAdmin):
    list_display = ("cohort", "computed_at", "invalidated_at")
    readonly_fields = ("cohort", "computed_at", "invalidated_at", "data")

    def has_add_permission(self, request):
        return False
