"""The load run (issue 9): gunicorn on PostgreSQL, simulated staff for a minute, the table.

Serves the organisation ``manage.py bench`` generated (``make bench DATABASE_URL=...``
first) with gunicorn on 127.0.0.1 to simulated staff driven by locust, and writes the
throughput and latencies into BENCHMARKS.md. Like ``manage.py bench``, it runs only with
DJANGO_DEBUG=1 or an explicit --yes-destroy-data, and never against a database holding
files the benchmark did not generate.
"""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from benchmarks.generate import SCALES, foreign_participants_exist, organisation_load
from benchmarks.load import P95_TARGET_MS, LoadError, load_run, load_write
from cases.models import Participant


class Command(BaseCommand):
    help = "Serve the generated organisation with gunicorn to simulated staff (locust)."

    def add_arguments(self, parser):
        parser.add_argument("--users", type=int, default=20, help="Simulated staff users.")
        parser.add_argument("--seconds", type=int, default=60, help="How long the load lasts.")
        parser.add_argument("--workers", type=int, default=2, help="gunicorn workers.")
        parser.add_argument(
            "--scale",
            choices=sorted(SCALES),
            default=None,
            help="The generated organisation's scale, for the report "
            "(by default: the one whose number of participants is in the database).",
        )
        parser.add_argument("--output", default="BENCHMARKS.md", help="Report to update.")
        parser.add_argument(
            "--yes-destroy-data",
            action="store_true",
            help="Run with DJANGO_DEBUG off, against a database made for the benchmark.",
        )

    def handle(self, *args, users, seconds, workers, scale, output, yes_destroy_data, **options):
        if not settings.DEBUG and not yes_destroy_data:
            raise CommandError(
                "bench_load signs in generated staff and logs visits: it runs only with "
                "DJANGO_DEBUG=1, or with --yes-destroy-data against a database made for it."
            )
        if connection.vendor != "postgresql":
            raise CommandError(
                "The load run is measured on PostgreSQL (issue 9), not "
                f"{connection.vendor}: point DATABASE_URL at the PostgreSQL database "
                "make bench filled, e.g. "
                "make bench-load DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench"
            )
        if foreign_participants_exist():
            raise CommandError(
                "This database holds files the benchmark did not generate: refusing to run. "
                "Point DATABASE_URL at the database make bench filled."
            )
        if not Participant.objects.exists():
            raise CommandError(
                "No generated organisation in this database: run "
                "make bench DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench "
                "(the same DATABASE_URL) first."
            )
        if scale is None:
            count = Participant.objects.count()
            scale = next(
                (name for name, size in SCALES.items() if size.participants == count), "custom"
            )
        organisation = organisation_load(scale)
        self.stdout.write(
            f"Load run on {organisation.counts['participants']:,} participants ({scale}): "
            f"{users} users, {seconds} s, {workers} gunicorn workers..."
        )
        try:
            result = load_run(
                organisation,
                users=users,
                seconds=seconds,
                workers=workers,
                progress=lambda message: self.stdout.write(f"  {message}"),
            )
        except LoadError as error:
            raise CommandError(f"Load run failed: {error}") from None
        load_write(result, output)
        for row in [*result.rows, result.aggregated]:
            if row is None:
                continue
            ratio = f"x{row.ratio:.1f}" if row.ratio is not None else ""
            self.stdout.write(
                f"{row.what:<56} {row.requests:6,} req {row.failures:4,} failed "
                f"{row.requests_per_s:6.1f}/s  median {row.median_ms:5.0f} ms  "
                f"p95 {row.p95_ms:5.0f} ms  p99 {row.p99_ms:5.0f} ms  {ratio}"
            )
        self.stdout.write(f"Written to {output} ({result.database}).")
        p95 = result.aggregated.p95_ms if result.aggregated is not None else float("nan")
        if result.met:
            self.stdout.write(
                self.style.SUCCESS(
                    f"p95 under {P95_TARGET_MS:.0f} ms with zero errors: met ({p95:.0f} ms)."
                )
            )
        else:
            self.stdout.write(
                self.style.WARNING(
                    f"p95 under {P95_TARGET_MS:.0f} ms with zero errors: missed "
                    f"({p95:.0f} ms, {result.errors:,} errors)."
                )
            )
