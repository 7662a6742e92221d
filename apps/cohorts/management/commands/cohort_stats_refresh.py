"""`manage.py cohort_stats_refresh [COHORT_ID ...]`: rebuild the dashboard's stored figures.

The dashboard refreshes them itself when they are older than COHORT_STATS_MAX_AGE_SECONDS or a
membership changed; this rebuilds them on demand (after a bulk import, or from cron to keep
every dashboard's first view fast). Safe to run while people use the dashboards.
"""

import time

from django.core.management.base import BaseCommand, CommandError

from apps.cohorts import services
from apps.cohorts.models import Cohort


class Command(BaseCommand):
    help = "Rebuild the stored cohort-wide dashboard figures (all cohorts, or the ones named)."

    def add_arguments(self, parser):
        parser.add_argument("cohort_ids", nargs="*", type=int, metavar="COHORT_ID")

    def handle(self, *args, cohort_ids: list[int], **options):
        cohorts = Cohort.objects.select_related("instructor").order_by("pk")
        if cohort_ids:
            cohorts = cohorts.filter(pk__in=cohort_ids)
            missing = set(cohort_ids) - {cohort.pk for cohort in cohorts}
            if missing:
                raise CommandError(f"unknown cohort id(s): {', '.join(map(str, sorted(missing)))}")
        for cohort in cohorts:
            started = time.monotonic()
            figures = services.cohort_stats_refresh(cohort=cohort)
            self.stdout.write(
                f"{cohort.pk} {cohort.name}: {figures.summary.learners} learners "
                f"in {1000 * (time.monotonic() - started):.0f} ms"
            )
