from django.apps import AppConfig

from apps.core import interview_dates


class CohortsConfig(AppConfig):
    name = "apps.cohorts"
    label = "cohorts"
    verbose_name = "Cohorts"

    def ready(self) -> None:
        # A learner's plan aims at their cohort's interview date when they set none: study reads
        # it through apps.core.interview_dates, without importing cohorts (which imports study).
        membership = self.get_model("Membership")

        def cohort_interview_dates(*, user, today):
            """The interview dates of the learner's cohorts from `today` on, nearest first."""
            return (
                membership.objects.filter(user=user, cohort__interview_date__gte=today)
                .order_by("cohort__interview_date", "cohort_id")
                .values_list("cohort__interview_date", flat=True)
            )

        interview_dates.register(cohort_interview_dates)
