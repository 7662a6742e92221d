"""`manage.py grade EXERCISE_ID FILE` (contract, see docs/grading.md).

Grades FILE against the exercise's tests (the example and the hidden ones, as the portal does)
in the jail, and prints one JSON object shaped like Exercism's test-runner results.json:
`status` (pass, fail, error), `message`, and `tests`: a list of {name, status, message, output}.
When the failing tests match a known mistake's fingerprint (apps/exercises/coaching.py), a
`diagnosis` object is added: {mistake, title, explanation}; nothing else changes.
Exit status 0 whenever grading produced a result, whatever the status.
The contract is pinned byte for byte by tests/exercises/golden/.
"""

import json

from django.core.management.base import BaseCommand, CommandError

from apps.content.models import Exercise
from apps.exercises.coaching import diagnose
from apps.exercises.management.source_files import read_source
from apps.exercises.proving import exercise_grade
from apps.sandbox.results import Status

TEST_FIELDS = ("name", "status", "message", "output")


def exercise_lookup(slug: str) -> Exercise:
    exercise = Exercise.objects.live().filter(slug=slug).first()
    if exercise is None:
        known = ", ".join(Exercise.objects.live().values_list("slug", flat=True)) or "none"
        raise CommandError(
            f"no exercise {slug!r} in the database (known: {known}); "
            "run `manage.py import_content` after adding it under content/exercises/"
        )
    return exercise


class Command(BaseCommand):
    help = "Grade one file against an exercise's tests and print Exercism-shaped JSON."

    def add_arguments(self, parser):
        parser.add_argument("exercise_id")
        parser.add_argument("file")

    def handle(self, *args, exercise_id: str, file: str, **options):
        exercise = exercise_lookup(exercise_id)
        result = exercise_grade(exercise=exercise, code=read_source(file))
        graded = result.to_dict()
        output = {
            "status": graded["status"],
            "message": graded["message"] or None,
            "tests": [{key: test[key] for key in TEST_FIELDS} for test in graded["tests"]],
        }
        if result.status != Status.PASS:
            found = diagnose(
                failing=result.failing, total=len(result.tests), fingerprints=exercise.fingerprints
            )
            mistake = (exercise.mistakes or {}).get(found.mistake) if found else None
            if mistake:
                output["diagnosis"] = {
                    "mistake": found.mistake,
                    "title": mistake["title"],
                    "explanation": mistake["explanation"],
                }
        self.stdout.write(json.dumps(output))
