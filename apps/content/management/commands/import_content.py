from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError

from apps.content.loader import ContentError, course_read
from apps.content.services import content_import


class Command(BaseCommand):
    help = "Import content/ (Markdown lessons and exercises) into the database, all or nothing."

    def add_arguments(self, parser):
        parser.add_argument(
            "--check", action="store_true", help="Validate and report, write nothing."
        )
        parser.add_argument("--root", default=str(settings.CONTENT_DIR), help="Content folder.")

    def handle(self, *args, check: bool, root: str, **options):
        try:
            course = course_read(Path(root))
            if check:
                self.stdout.write(
                    f"content is valid: {len(course.tracks)} tracks, {len(course.lessons)} "
                    f"lessons, {len(course.cards)} cards, {len(course.exercises)} exercises"
                )
            summary = content_import(root=Path(root), dry_run=check)
        except ContentError as exc:
            count = len(exc.problems)
            noun = "problem" if count == 1 else "problems"
            raise CommandError(f"content has {count} {noun}; nothing was imported:\n{exc}") from exc
        except DatabaseError as exc:
            if check:
                self.stdout.write(f"(no comparison with the database: {exc})")
                return
            raise
        prefix = "an import would make: " if check else ""
        self.stdout.write(f"{prefix}{summary}")
