"""``manage.py annual_report --year 2026 --output report.pdf [--site NAME] [--lang fr]``

For scheduled or scripted use: makes a new frozen version of the report, exactly as the
screen does (small numbers hidden), and writes one of its files. The output's extension
chooses the file: .pdf, .csv or .xlsx. The request is recorded in the audit trail.
"""

from datetime import date
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from dropin.models import Site
from reports.models import Report, ReportFile
from reports.services import report_build, report_request
from safespace.crypto import decrypt_bytes


class Command(BaseCommand):
    help = "Make a new version of the annual report and write it as PDF, CSV or XLSX."

    def add_arguments(self, parser):
        parser.add_argument("--year", type=int, help="A calendar year (or give --start and --end).")
        parser.add_argument("--start", type=date.fromisoformat, help="First day, YYYY-MM-DD.")
        parser.add_argument("--end", type=date.fromisoformat, help="Last day (included).")
        parser.add_argument("--output", required=True, help="report.pdf, report.csv or report.xlsx")
        parser.add_argument("--site", help="One site, by name (default: the whole organisation).")
        parser.add_argument(
            "--lang",
            default=settings.LANGUAGE_CODE,
            choices=[code for code, _name in settings.LANGUAGES],
            help="Language of the report.",
        )

    def handle(self, *args, **options):
        start, end = self._period(options)
        output = Path(options["output"])
        kind = output.suffix.lower().lstrip(".")
        if kind not in ReportFile.Kind.values:
            raise CommandError("--output must end in .pdf, .csv or .xlsx.")
        site = None
        if options["site"]:
            site = Site.objects.filter(name=options["site"]).first()
            if site is None:
                names = ", ".join(Site.objects.order_by("name").values_list("name", flat=True))
                raise CommandError(f"No site of that name. Sites: {names or 'none'}.")
        report = report_request(
            actor=None, start=start, end=end, site=site, language=options["lang"], via="command"
        )
        report = report_build(report.pk)
        if report.status != Report.Status.READY:
            raise CommandError("The report could not be built; see the log.")
        data = decrypt_bytes(report.files.get(kind=kind).token)
        output.write_bytes(data)
        self.stdout.write(
            f"Report {start} to {end}, version {report.version}: {output} ({len(data):,} bytes)."
        )

    @staticmethod
    def _period(options) -> tuple[date, date]:
        if options["start"] or options["end"]:
            if not (options["start"] and options["end"]):
                raise CommandError("Give both --start and --end, or --year.")
            if options["start"] > options["end"]:
                raise CommandError("--end is before --start.")
            return options["start"], options["end"]
        if not options["year"]:
            raise CommandError("Give --year, or --start and --end.")
        if not 1900 <= options["year"] <= 2999:
            raise CommandError("--year is not a plausible year.")
        return date(options["year"], 1, 1), date(options["year"], 12, 31)
