from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from apps.accounts.forms import AdminLoginForm
from apps.accounts.models import User


@admin.register(User)
class PortalUserAdmin(UserAdmin):
    list_display = ("username", "display_name", "email", "is_instructor", "is_staff")
    list_filter = ("is_instructor", "is_staff", "is_superuser", "is_active")
    fieldsets = (
        *UserAdmin.fieldsets,
        ("Portal", {"fields": ("display_name", "time_zone", "is_instructor")}),
    )


# The admin's log-in counts failures with the site's (it shows the same "try again" message).
admin.site.login_form = AdminLoginForm
