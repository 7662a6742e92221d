"""`manage.py check_exercises [EXERCISE_ID ...]` (contract, see docs/grading.md).

Grades every live exercise's reference solution and its alternative correct solutions (each must
pass) and each of its wrong solutions (each must fail) through the real jail, printing one line
per file. Exit status 1 on any surprise: a reference or alternative that does not pass, a wrong
solution that passes, or a jail that could not be built (which proves nothing either way).
The proof itself is apps/exercises/proving.py, shared with the admin's background check.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor

from django.core.management.base import BaseCommand, CommandError

from apps.content.models import Exercise
from apps.exercises.proving import Outcome, exercise_checks, fingerprints_save, judge


class Command(BaseCommand):
    help = "Prove every exercise: reference solutions pass and wrong solutions fail, in the jail."

    def add_arguments(self, parser):
        parser.add_argument("exercise_ids", nargs="*", metavar="EXERCISE_ID")
        parser.add_argument(
            "--jobs",
            type=int,
            default=max(1, min(4, os.cpu_count() or 1)),
            help="gradings to run at once (default: the number of cores, at most 4)",
        )

    def handle(self, *args, exercise_ids: list[str], jobs: int, **options):
        exercises = Exercise.objects.live().order_by("order", "slug")
        if exercise_ids:
            exercises = exercises.filter(slug__in=exercise_ids)
            missing = set(exercise_ids) - set(exercises.values_list("slug", flat=True))
            if missing:
                raise CommandError(f"unknown exercise(s): {', '.join(sorted(missing))}")
        exercises = list(exercises)
        if not exercises:
            raise CommandError("no exercises in the database: run `manage.py import_content` first")
        checks = [check for exercise in exercises for check in exercise_checks(exercise)]

        surprises = 0
        outcomes: dict[int, list[Outcome]] = {}
        with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
            current = None
            for outcome in pool.map(judge, checks):  # in order, so the output reads well
                outcomes.setdefault(outcome.check.exercise.pk, []).append(outcome)
                slug = outcome.check.exercise.slug
                if slug != current:
                    self.stdout.write(self.style.MIGRATE_HEADING(slug))
                    current = slug
                mark = (
                    self.style.SUCCESS("ok      ") if outcome.ok else self.style.ERROR("SURPRISE")
                )
                self.stdout.write(f"  {mark} {outcome.check.label:<34} {outcome.detail}")
                surprises += not outcome.ok
        for exercise in exercises:
            fingerprints_save(exercise, outcomes.get(exercise.pk, []))
        summary = (
            f"{len(exercises)} exercise(s), {len(checks)} file(s) graded in the jail: "
            f"{surprises} surprise(s)"
        )
        if surprises:
            raise CommandError(summary)
        self.stdout.write(self.style.SUCCESS(summary))
