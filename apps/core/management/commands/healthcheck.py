"""`manage.py healthcheck [--worker]`: /healthz's JSON on stdout, exit 0 unless `down`.

For container health checks (no HTTP, no ALLOWED_HOSTS, no load balancer in the way). On a
worker host pass --worker: there the sandbox is required, so a failing preflight is `down`.
"""

import json

from django.core.management.base import BaseCommand, CommandError

from apps.core.health import health_report


class Command(BaseCommand):
    help = "Check the database, Redis and the sandbox; print JSON; exit 1 when down."

    def add_arguments(self, parser):
        parser.add_argument(
            "--worker",
            action="store_true",
            help="this host grades submissions: a sandbox failure counts as down",
        )

    def handle(self, *args, worker: bool = False, **options):
        report = health_report(sandbox_required=worker)
        self.stdout.write(json.dumps(report))
        if report["status"] == "down":
            raise CommandError("unhealthy", returncode=1)
