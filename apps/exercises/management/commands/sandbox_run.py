"""`manage.py sandbox_run --language {javascript,python} FILE` (contract, see docs/grading.md).

Runs FILE in the jail with the default limits and prints one JSON object: verdict, exit_code,
stdout, stderr, wall_ms, cpu_ms, truncated. Exit status 0 whenever a verdict was reached
(`sandbox_error` included: it is a verdict, with the reason in stderr).
"""

import json

from django.core.management.base import BaseCommand

from apps.exercises.management.source_files import read_source
from apps.sandbox import run
from apps.sandbox.languages import LANGUAGE_KEYS

FIELDS = ("verdict", "exit_code", "stdout", "stderr", "wall_ms", "cpu_ms", "truncated")


class Command(BaseCommand):
    help = "Run one file in the sandbox and print the result as JSON."

    def add_arguments(self, parser):
        parser.add_argument("--language", required=True, choices=LANGUAGE_KEYS)
        parser.add_argument("file")

    def handle(self, *args, language: str, file: str, **options):
        code = read_source(file)
        result = run(language=language, code=code).to_dict()
        self.stdout.write(json.dumps({key: result[key] for key in FIELDS}))
