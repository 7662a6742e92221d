"""`manage.py seed_demo --learners N --days D`: a demo cohort with generated learners.

Idempotent enough for `make run`: when the instructor already has a cohort of that name, it
says so and changes nothing (`--reset` replaces it).
"""

import time

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from apps.cohorts.demo import (
    DEMO_COHORT,
    demo_cohort_delete,
    demo_cohort_seed,
    demo_learner_history,
    demo_memory_fits,
)
from apps.study.models import MemoryFit


class Command(BaseCommand):
    help = "Generate a cohort of learners with reviews and exercise runs (demos, benchmarks)."

    def add_arguments(self, parser):
        parser.add_argument("--learners", type=int, default=12)
        parser.add_argument(
            "--days", type=int, default=90, help="days of history (enough for memory fits)"
        )
        parser.add_argument("--cohort", default=DEMO_COHORT, help="cohort name")
        parser.add_argument(
            "--instructor",
            default="instructor",
            help="username of the instructor (created, with no password, when missing)",
        )
        parser.add_argument("--cards", type=int, default=None, help="cards per learner")
        parser.add_argument("--seed", type=int, default=1, help="random seed")
        parser.add_argument(
            "--reset", action="store_true", help="delete the cohort and its learners first"
        )
        parser.add_argument(
            "--force", action="store_true", help="run even with DEBUG off (benchmarks)"
        )
        parser.add_argument(
            "--learner",
            default="learner",
            help="an existing account to give 90 days of history and a place in the cohort "
            "(the demo learner; skipped when missing)",
        )
        parser.add_argument(
            "--no-fits",
            action="store_true",
            help="skip fitting memory models (population and each member)",
        )

    def handle(self, *args, **options):
        if not settings.DEBUG and not options["force"]:
            raise CommandError("Demo data is for development (DEBUG is off; --force overrides).")
        if options["learners"] < 1 or options["days"] < 2:
            raise CommandError("--learners must be at least 1 and --days at least 2.")
        User = get_user_model()
        instructor, created = User.objects.get_or_create(
            username=options["instructor"],
            defaults={"is_instructor": True, "display_name": "Demo Instructor"},
        )
        if created:
            instructor.set_unusable_password()
            instructor.save(update_fields=["password"])
            self.stdout.write(f"Created instructor {instructor.username} (no password set).")
        elif not (instructor.is_instructor or instructor.is_staff):
            raise CommandError(f"{instructor.username} is neither an instructor nor staff.")
        if options["reset"]:
            removed = demo_cohort_delete(instructor=instructor, name=options["cohort"])
            self.stdout.write(f"Removed the previous cohort and {removed} generated learners.")
        started = time.monotonic()
        try:
            summary = demo_cohort_seed(
                instructor=instructor,
                learners=options["learners"],
                days=options["days"],
                name=options["cohort"],
                cards=options["cards"],
                seed=options["seed"],
            )
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        if not summary.created:
            self.stdout.write(
                f"{instructor.username} already has “{summary.cohort.name}” "
                f"({summary.learners} learners): nothing to do (--reset replaces it)."
            )
            self._demo_learner_and_fits(summary.cohort, options, again=True)
            return
        self.stdout.write(
            self.style.SUCCESS(
                f"“{summary.cohort.name}” for {instructor.username}: {summary.learners} learners, "
                f"{summary.reviews:,} reviews, {summary.card_states:,} card states, "
                f"{summary.submissions:,} exercise runs in {time.monotonic() - started:.1f} s. "
                f"Join code {summary.cohort.join_code_display}."
            )
        )
        self._demo_learner_and_fits(summary.cohort, options)

    def _demo_learner_and_fits(self, cohort, options, again: bool = False) -> None:
        User = get_user_model()
        learner = User.objects.filter(username=options["learner"]).first()
        written = 0
        if learner is not None and not (learner.is_instructor or learner.is_staff):
            written = demo_learner_history(user=learner, cohort=cohort)
            if written:
                self.stdout.write(f"{learner.username}: {written:,} reviews over 90 days.")
        if options["no_fits"]:
            return
        if again and not written and MemoryFit.objects.filter(user__isnull=True).exists():
            return  # fitted on an earlier run; the nightly job keeps them current
        started = time.monotonic()
        population, own, members = demo_memory_fits(cohort=cohort)
        self.stdout.write(
            f"Memory models: population fit {'adopted' if population else 'kept'}; "
            f"{own} of {members} members use their own fit "
            f"({time.monotonic() - started:.1f} s)."
        )
