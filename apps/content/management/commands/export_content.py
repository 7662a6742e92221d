"""`manage.py export_content [--root DIR] [--check] [--prune]`: the database back to content/.

Items not edited since import are written back byte for byte; items edited (or created) in the
admin in a canonical form that imports back to the same data. Commit the result: git stays the
source of truth. `--check` writes nothing and exits 1 when files would change.
"""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from apps.content.exporter import content_export


class Command(BaseCommand):
    help = "Write the course from the database back to content/ (see docs/content-format.md)."

    def add_arguments(self, parser):
        parser.add_argument("--root", type=Path, default=None, help="default: CONTENT_DIR")
        parser.add_argument(
            "--check", action="store_true", help="write nothing; exit 1 if files would change"
        )
        parser.add_argument(
            "--prune",
            action="store_true",
            help="delete course files the database no longer holds (retired items)",
        )

    def handle(self, *args, root: Path | None, check: bool, prune: bool, **options):
        root = (root or Path(settings.CONTENT_DIR)).resolve()
        summary = content_export(root=root, check=check, prune=prune)
        verb = "would change" if check else "written"
        for path in summary.changed:
            self.stdout.write(f"  {verb}: {path}")
        for path in summary.removed:
            self.stdout.write(f"  removed: {path}")
        if summary.extra and not summary.removed:
            for path in summary.extra:
                self.stdout.write(f"  not in the database: {path} (--prune deletes it)")
        for slug in summary.unpublished:
            self.stderr.write(
                f"  warning: exercise {slug} is unpublished (its last check did not pass); "
                "check_exercises will say why"
            )
        self.stdout.write(
            f"{root}: {len(summary.changed)} file(s) {verb}, {summary.unchanged} unchanged"
        )
        if check and (summary.changed or summary.extra):
            raise CommandError("content/ differs from the database")
