from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from safespace.backup import BackupError, backup_restore, database_config, describe


class Command(BaseCommand):
    help = (
        "Restore a backup into an empty database (the configured one, or --into), then check "
        "with the configured keys that it reads; a backup the keys cannot read is refused."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path, help="A file made by manage.py backup.")
        parser.add_argument(
            "--into",
            metavar="DATABASE_URL",
            help="Another database to restore into; leave its password out and set PGPASSWORD.",
        )
        parser.add_argument(
            "--yes",
            action="store_true",
            help="The target holds tables: drop them all, then restore.",
        )

    def handle(self, *args, path, into=None, yes=False, **options):
        try:
            target = database_config(into) if into else None
            result = backup_restore(path=path, target=target, replace=yes)
        except BackupError as error:
            raise CommandError(str(error)) from None
        width = max(map(len, result.tables), default=0)
        for name, count in result.tables.items():
            self.stdout.write(f"{name:<{width}}  {count}")
        where = describe(target or connection.settings_dict)
        self.stdout.write(
            f"Restored into {where}: {len(result.tables)} tables, "
            f"{sum(result.tables.values())} rows, as many as in the backup."
        )
        checked = "FIELD_ENCRYPTION_KEYS and BLIND_INDEX_KEY read it"
        if not result.blind_index_verified:
            checked = "FIELD_ENCRYPTION_KEYS read it (this backup has no search-index check)"
        self.stdout.write(f"The configured {checked}. Run manage.py migrate, then start.")
