import zoneinfo

from django.contrib.auth.models import AbstractUser
from django.db import models

TIME_ZONE_CHOICES = sorted((tz, tz) for tz in zoneinfo.available_timezones())


class User(AbstractUser):
    """A person using the portal. Every account is a learner; instructors are granted the role
    by staff (`is_instructor`); staff are Django's `is_staff` users."""

    display_name = models.CharField(max_length=80, blank=True)
    # Validated against zoneinfo in forms; no model choices, so tzdata updates need no migration.
    time_zone = models.CharField(max_length=64, default="UTC")
    is_instructor = models.BooleanField(
        default=False, help_text="Instructors create cohorts and follow their learners."
    )
    # The exercise page shows the plain textarea instead of the code editor (screen readers,
    # or taste). Visitors keep the same choice in their browser's localStorage.
    plain_editor = models.BooleanField(
        default=False, help_text="Exercises use the plain text box instead of the code editor."
    )

    @property
    def public_name(self) -> str:
        return self.display_name or self.username

    @property
    def role(self) -> str:
        if self.is_staff:
            return "staff"
        if self.is_instructor:
            return "instructor"
        return "learner"
