"""`manage.py sandbox_run --language {javascript,python} FILE` (contract, see docs/grading.md).

Runs FILE in the jail with the default limits and prints one JSON object: verdict, exit_code,
stdout, stderr, wall_ms, cpu_ms, truncated. Exit status 0 whenever a verdict was reached
(`sandbox_error` included: it is a verdict, with the reason in stderr).
"""

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from apps.sandbox.languages import LANGUAGE_KEYS

FIELDS = ("verdict", "exit_code", "stdout", "stderr", "wall_ms", "cpu_ms", "truncated")


def read_source(path: str) -> str:
    file = Path(path)
    try:
        return file.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise CommandError(f"{path}: no such file") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise CommandError(f"{path}: cannot be read as UTF-8 text ({exc})") from exc


class Command(BaseCommand):
    help = "Run one file in the sandbox and print the result as JSON."

    def add_arguments(self, parser):
        parser.add_argument("--language", required=True, choices=LANGUAGE_KEYS)
        parser.add_argument("file")

    def handle(self, *args, language: str, file: str, **options):
        from apps.sandbox import RunResult, SandboxUnavailable, run

        code = read_source(file)
        try:
            result = run(language=language, code=code).to_dict()
        except SandboxUnavailable as exc:
            result = RunResult.sandbox_error(exc.reason).to_dict()
        self.stdout.write(json.dumps({key: result.get(key) for key in FIELDS}))
