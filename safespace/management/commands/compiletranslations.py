"""Compile locale/*/LC_MESSAGES/*.po into .mo files in pure Python (Babel).

Django's own compilemessages needs GNU gettext installed on the machine;
this one needs nothing but the project's dependencies, so `make run` works
on a fresh machine.
"""

from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Compile the project's .po translation files into .mo files."

    def handle(self, *args, **options):
        compiled = 0
        for locale_dir in settings.LOCALE_PATHS:
            for po_path in sorted(Path(locale_dir).glob("*/LC_MESSAGES/*.po")):
                mo_path = po_path.with_suffix(".mo")
                if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
                    continue
                with po_path.open("rb") as po_file:
                    try:
                        catalog = read_po(po_file, abort_invalid=True)
                    except Exception as error:  # noqa: BLE001 - babel raises several types
                        raise CommandError(f"{po_path}: {error}") from None
                with mo_path.open("wb") as mo_file:
                    write_mo(mo_file, catalog)
                compiled += 1
        self.stdout.write(f"Translations compiled: {compiled} file(s) updated.")
