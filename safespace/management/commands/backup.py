import math
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from safespace.backup import BackupError, backup_make, media_files


def human_size(size: int) -> str:
    if size < 1024:
        return f"{size} bytes"
    exponent = min(int(math.log(size, 1024)), 3)
    return f"{size / 1024**exponent:.1f} {('KB', 'MB', 'GB')[exponent - 1]}"


class Command(BaseCommand):
    help = (
        "Back up the database into one tar file (0600): a pg_dump or a SQLite copy, with a "
        "manifest of row counts and key checks. Never the keys: keep them in escrow, apart."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--output",
            type=Path,
            help="A file to create, or a folder for it (default: VAR_DIR/backups/).",
        )

    def handle(self, *args, output=None, **options):
        try:
            result = backup_make(output=output)
        except BackupError as error:
            raise CommandError(str(error)) from None
        rows = sum(result.tables.values())
        self.stdout.write(f"Backup written: {result.path} ({human_size(result.size)})")
        self.stdout.write(f"{len(result.tables)} tables, {rows} rows.")
        ignored = media_files()
        if ignored:
            # nothing in Safespace writes there: uploads are encrypted in the database
            self.stderr.write(
                f"MEDIA_ROOT holds {ignored} file(s); they are not part of the backup."
            )
