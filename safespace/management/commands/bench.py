"""Generate a synthetic organisation and measure the pages staff use most (issue 9).

Refuses to touch a real organisation's database: it runs only with DJANGO_DEBUG=1
or an explicit --yes-destroy-data, and never into a database that already holds
files it did not generate.
"""

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from benchmarks import SCALES, generate, measure, organisation_load, report_write
from benchmarks.database import NotABenchmarkDatabase, database_recreate
from benchmarks.generate import foreign_participants_exist
from benchmarks.measure import (
    SEARCH_TARGET_MS,
    BenchmarkError,
    report_figures_queries,
    report_period,
)
from cases.models import Participant


class Command(BaseCommand):
    help = "Fill a throwaway database with a synthetic organisation, time pages, write a report."

    def add_arguments(self, parser):
        parser.add_argument("--scale", choices=sorted(SCALES), default="large")
        parser.add_argument("--output", default="BENCHMARKS.md", help="Report to update.")
        parser.add_argument("--repetitions", type=int, default=30)
        parser.add_argument(
            "--reuse",
            action="store_true",
            help="Measure the organisation a previous run generated instead of refusing.",
        )
        parser.add_argument(
            "--fresh",
            action="store_true",
            help="Drop, recreate and migrate the database first (only one named bench*).",
        )
        parser.add_argument(
            "--compare-with",
            choices=sorted(SCALES),
            default="small",
            help="With --fresh, first measure this smaller scale in its own fresh database, "
            "to compare the queries per page (they must not grow with the data).",
        )
        parser.add_argument(
            "--yes-destroy-data",
            action="store_true",
            help="Run with DJANGO_DEBUG off, into a database made for the benchmark.",
        )

    def handle(
        self, *args, scale, output, repetitions, reuse, fresh, compare_with, yes_destroy_data,
        **options,
    ):  # fmt: skip
        if not settings.DEBUG and not yes_destroy_data:
            raise CommandError(
                "bench fills the database with fictional files: it runs only with "
                "DJANGO_DEBUG=1, or with --yes-destroy-data against a database made for it."
            )
        smaller = None
        if fresh and SCALES[compare_with].participants < SCALES[scale].participants:
            self._recreate()
            self.stdout.write(f"First the {compare_with} organisation, for its query counts...")
            smaller = self._queries_of(generate(compare_with))
        if fresh:
            self._recreate()
        if foreign_participants_exist():
            raise CommandError(
                "This database holds files the benchmark did not generate: refusing to run. "
                "Point DATABASE_URL at an empty database made for the benchmark."
            )
        if Participant.objects.exists():
            if not reuse:
                raise CommandError(
                    "This database already holds a generated organisation: "
                    "use --reuse to measure it again, or start from an empty database."
                )
            organisation = organisation_load(scale)
            self.stdout.write(f"Reusing {organisation.counts['participants']:,} participants.")
        else:
            size = SCALES[scale].participants
            self.stdout.write(f"Generating the {scale} organisation ({size:,} participants)...")
            organisation = generate(scale)
            self.stdout.write(f"Generated in {organisation.seconds:.1f} s: {organisation.counts}")
        try:
            result = measure(
                organisation,
                repetitions=repetitions,
                progress=lambda message: self.stdout.write(f"  measuring {message}"),
            )
        except BenchmarkError as error:
            raise CommandError(str(error)) from None
        if smaller is not None:
            result.smaller_scale = compare_with
            result.smaller_participants, result.smaller_queries = smaller
        report_write(result, output)
        for row in result.rows:
            self.stdout.write(
                f"{row.what:<42} {row.who:<32} median {row.median_ms:7.1f} ms  "
                f"p95 {row.p95_ms:7.1f} ms  {row.queries:3d} queries  x{row.ratio:.1f}"
            )
        slowest = result.slowest_search
        quiet, busy = result.case_page_queries
        self.stdout.write(f"Written to {output} ({result.database}).")
        if slowest.median_ms >= SEARCH_TARGET_MS:
            self.stdout.write(
                self.style.WARNING(
                    f"Search missed {SEARCH_TARGET_MS:.0f} ms: {slowest.median_ms:.1f} ms median."
                )
            )
        if quiet != busy:
            self.stdout.write(
                self.style.WARNING(f"Case page queries grow with notes: {quiet} vs {busy}.")
            )

    def _recreate(self) -> None:
        try:
            name = database_recreate()
        except NotABenchmarkDatabase as error:
            raise CommandError(f"Not recreating the database: {error}.") from None
        self.stdout.write(f"Recreated the empty database {name}; migrating...")
        call_command("migrate", verbosity=0, interactive=False)

    def _queries_of(self, organisation) -> tuple[int, dict[str, int]]:
        """The queries of every measured row (and of the report's figures) in this
        organisation: a few repetitions, the timings thrown away."""
        try:
            result = measure(organisation, repetitions=1, warmup=1, report=False)
        except BenchmarkError as error:
            raise CommandError(str(error)) from None
        counts = result.queries_by_key()
        counts["report:figures"] = report_figures_queries(*report_period())
        return organisation.counts["participants"], counts
