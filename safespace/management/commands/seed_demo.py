"""Load a fictional demo organisation. Refuses to run unless DJANGO_DEBUG is on."""

import secrets

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from safespace.demo import (
    DEMO_ACCOUNTS,
    demo_exists,
    demo_organisation_create,
    demo_passwords_reset,
)


def _demo_password() -> str:
    # readable to type, long enough to pass the password validators
    return "demo-" + "-".join(secrets.token_hex(2) for _ in range(3))


class Command(BaseCommand):
    help = "Create a fictional demo organisation with one account per role (debug only)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Do nothing if the demo organisation is already there (used by `make run`).",
        )
        parser.add_argument(
            "--reset-passwords",
            action="store_true",
            help="Give the existing demo accounts a new password and print it.",
        )

    def handle(self, *args, if_empty=False, reset_passwords=False, **options):
        if not settings.DEBUG:
            raise CommandError(
                "seed_demo only runs with DJANGO_DEBUG=1: it creates accounts with a "
                "printed password and must never touch a real organisation's database."
            )
        password = _demo_password()
        if demo_exists():
            if reset_passwords:
                demo_passwords_reset(password=password)
                self._print_accounts(password, heading="Demo passwords reset.")
                return
            if if_empty:
                self.stdout.write(
                    "Demo organisation already loaded. Lost the password? Run "
                    "`DJANGO_DEBUG=1 .venv/bin/python manage.py seed_demo --reset-passwords`."
                )
                return
            raise CommandError(
                "The demo organisation is already loaded. Use --reset-passwords for new passwords."
            )
        demo_organisation_create(password=password)
        self._print_accounts(password, heading="Demo organisation created.")

    def _print_accounts(self, password: str, *, heading: str) -> None:
        lines = [heading, "Sign in at http://127.0.0.1:8000 with one of these accounts:"]
        lines += [f"  {a.username:<8} {a.role.label}" for a in DEMO_ACCOUNTS]
        lines += [
            f"Password for all of them (shown once, keep it): {password}",
        ]
        width = max(len(line) for line in lines) + 4
        self.stdout.write("=" * width)
        for line in lines:
            self.stdout.write(f"  {line}")
        self.stdout.write("=" * width)
