"""Instructors' cohorts: a named group of learners who joined with the cohort's code.

A cohort belongs to one instructor (staff see every cohort). Learners join with the join code
(or the link that carries it) and leave when they like; the instructor can remove them. Nothing
here copies study or submission data: the dashboard reads those tables through the memberships.
"""

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone


class Cohort(models.Model):
    name = models.CharField(max_length=120)
    # SET_NULL: deleting an instructor's account must not take the learners' cohort with it;
    # staff still see the cohort and can hand it to someone else in the admin.
    instructor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="cohorts_taught",
    )
    join_code = models.CharField(max_length=16, unique=True)
    interview_date = models.DateField(
        null=True,
        blank=True,
        help_text="Shown to the cohort's learners as their interview date, unless they set one.",
    )
    created_at = models.DateTimeField(default=timezone.now)
    learners = models.ManyToManyField(
        settings.AUTH_USER_MODEL, through="Membership", related_name="cohorts"
    )

    class Meta:
        ordering = ["name", "pk"]
        indexes = [models.Index(fields=["instructor", "name"], name="cohort_instructor")]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("cohorts:dashboard", args=[self.pk])

    @property
    def join_code_display(self) -> str:
        """The code in two groups of five, easier to read aloud."""
        return f"{self.join_code[:5]}-{self.join_code[5:]}"


class Membership(models.Model):
    cohort = models.ForeignKey(Cohort, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="cohort_memberships"
    )
    joined_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["cohort", "user"], name="cohort_one_membership")
        ]
        indexes = [models.Index(fields=["user"], name="cohort_membership_user")]

    def __str__(self) -> str:
        return f"{self.user_id} in {self.cohort_id}"


class CohortStats(models.Model):
    """The cohort-wide figures of the dashboard, aggregated over every learner, as of
    `computed_at`: one JSON document per cohort, so the dashboard reads one row however many
    learners the cohort has.

    Rebuilt by services.cohort_stats_refresh when the dashboard finds it older than its maximum
    age or older than the last change of membership (`invalidated_at`), and by
    `manage.py cohort_stats_refresh`. A refresh only ever replaces an older document, so two
    refreshes racing leave the newer one."""

    cohort = models.OneToOneField(Cohort, on_delete=models.CASCADE, related_name="stats")
    computed_at = models.DateTimeField()
    invalidated_at = models.DateTimeField(null=True, blank=True)
    data = models.JSONField()

    class Meta:
        verbose_name_plural = "cohort stats"

    def __str__(self) -> str:
        return f"stats of {self.cohort_id} at {self.computed_at:%Y-%m-%d %H:%M:%S}"

    def is_stale(self, *, now, max_age) -> bool:
        if self.invalidated_at is not None and self.invalidated_at >= self.computed_at:
            return True
        return now - self.computed_at > max_age
