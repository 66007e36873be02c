from django.core.management.base import BaseCommand, CommandError

from safespace.audit import audit_verify


class Command(BaseCommand):
    help = "Check the audit trail's hash chain and report the first broken link."

    def handle(self, *args, **options):
        report = audit_verify()
        if report.intact:
            self.stdout.write(f"Audit trail intact: {report.checked} entries checked.")
            return
        raise CommandError(
            f"Audit trail broken at entry {report.broken_at}: {report.reason} "
            f"({report.checked} entries before it are intact)."
        )
