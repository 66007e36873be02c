from django.core.management.base import BaseCommand, CommandError

from safespace.crypto import DecryptionError
from safespace.rotation import rotate_all


class Command(BaseCommand):
    help = (
        "Re-encrypt every encrypted value with the first key of FIELD_ENCRYPTION_KEYS. "
        "Safe to interrupt and run again."
    )

    def add_arguments(self, parser):
        parser.add_argument("--chunk-size", type=int, default=500)

    def handle(self, *args, chunk_size=500, **options):
        try:
            report = rotate_all(chunk_size=chunk_size)
        except DecryptionError as error:
            raise CommandError(str(error)) from None
        for label in sorted(set(report.rotated) | set(report.current)):
            self.stdout.write(
                f"{label}: {report.rotated[label]} re-encrypted, "
                f"{report.current[label]} already under the first key"
            )
        if report.total_rotated:
            self.stdout.write(f"Done: {report.total_rotated} value(s) re-encrypted.")
        else:
            self.stdout.write(
                "Nothing left to re-encrypt: the older keys can be removed from "
                "FIELD_ENCRYPTION_KEYS."
            )
