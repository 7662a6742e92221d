from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from apps.accounts.services import demo_accounts_ensure


class Command(BaseCommand):
    help = "Create the demo learner, instructor and staff accounts (development only)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--reset", action="store_true", help="Set new passwords for existing demo accounts."
        )

    def handle(self, *args, reset: bool, **options):
        if not settings.DEBUG:
            raise CommandError("Demo accounts are for development only (DEBUG is off).")
        created = demo_accounts_ensure(reset=reset)
        if not created:
            self.stdout.write(
                "Demo accounts exist (learner, instructor, staff). Their passwords were printed "
                "when they were created; `python manage.py demo_accounts --reset` sets new ones."
            )
            return
        self.stdout.write(self.style.SUCCESS("Demo accounts (passwords shown only this once):"))
        for username, password in created.items():
            self.stdout.write(f"  {username:<11} {password}")
