"""Time the pages staff use most, beside the floor of the same stack, and write the table.

Timings are server-side and in-process: django.test.Client drives the full
middleware stack and the configured database, and each request is timed with
time.perf_counter (no network, no browser). Each figure is the median and the
95th percentile of N repetitions after a few warm-ups; queries are counted on
one extra request with CaptureQueriesContext.
"""

from __future__ import annotations

import os
import platform
import re
import sqlite3
import statistics
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import django
from django.db import connection, reset_queries
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from benchmarks.generate import Organisation
from cases.models import Participant

SEARCH_TARGET_MS = 100.0
VISIT_TARGET_MS = 50.0


class BenchmarkError(Exception):
    """A measured page did not answer as expected: its timing would mean nothing."""


@dataclass
class Row:
    what: str
    who: str
    median_ms: float
    p95_ms: float
    queries: int
    ratio: float | None = None
    kind: str = ""  # "search", "case page" or "floor"


@dataclass
class Result:
    organisation: Organisation
    repetitions: int
    rows: list[Row] = field(default_factory=list)
    database: str = ""
    started_at: datetime | None = None

    @property
    def floor(self) -> Row:
        return next(row for row in self.rows if row.kind == "floor")

    @property
    def case_page_queries(self) -> tuple[int, int]:
        """Queries of the case page with no notes and with many (must be equal)."""
        quiet, busy = (row.queries for row in self.rows if row.kind == "case page")
        return quiet, busy

    @property
    def slowest_search(self) -> Row:
        return max((row for row in self.rows if row.kind == "search"), key=lambda r: r.median_ms)


def _client(user) -> Client:
    # https, so the run also works with DJANGO_DEBUG off (SECURE_SSL_REDIRECT)
    client = Client(HTTP_ACCEPT_LANGUAGE="en", **{"wsgi.url_scheme": "https"})
    client.force_login(user)
    return client


def _time(call, *, repetitions: int, warmup: int, expect: str | None) -> tuple[list[float], int]:
    def checked():
        response = call()
        if response.status_code != 200:
            raise BenchmarkError(f"answered {response.status_code}, not 200")
        if expect is not None and expect not in response.content.decode():
            raise BenchmarkError("the answer lacks what it should show")
        return response

    for _ in range(warmup):
        checked()
    reset_queries()
    with CaptureQueriesContext(connection) as captured:
        checked()
    # read now: the next request clears the connection's query log
    queries = len(captured.captured_queries)
    times = []
    for _ in range(repetitions):
        started = time.perf_counter()
        call()
        times.append((time.perf_counter() - started) * 1000)
    return times, queries


def _p95(times: list[float]) -> float:
    if len(times) < 2:
        return times[0]
    return statistics.quantiles(times, n=20, method="inclusive")[18]


def _national(phone: str) -> str:
    """+33 6 12 34 56 78 typed as 06 12 34 56 78."""
    return "0" + phone.removeprefix("+33 ")


def _database() -> str:
    if connection.vendor == "sqlite":
        return f"SQLite {sqlite3.sqlite_version}"
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            version = cursor.fetchone()[0].split()[0]
        return f"PostgreSQL {version}"
    return connection.vendor


def measure(
    organisation: Organisation, *, repetitions: int = 30, warmup: int = 3, progress=None
) -> Result:
    """Measure search, the case page and the floor for this organisation."""
    result = Result(
        organisation=organisation,
        repetitions=repetitions,
        database=_database(),
        started_at=datetime.now(UTC),
    )
    say = progress or (lambda message: None)
    # DEBUG off while measuring, as in production: no query log kept on every request
    # (the command needs DJANGO_DEBUG=1 to start, as a guard, not for the measurements)
    with override_settings(
        DEBUG=False, ROOT_URLCONF="benchmarks.urls", ALLOWED_HOSTS=["testserver", "localhost"]
    ):
        _measure_into(result, organisation, repetitions=repetitions, warmup=warmup, say=say)
    return result


def _measure_into(result, organisation, *, repetitions, warmup, say) -> None:
    typical, everyone = organisation.typical_worker, organisation.everyone_worker
    total = organisation.counts.get("participants", 0)

    def record(what, who, call, *, kind, expect=None):
        say(f"{what} ({who})")
        try:
            times, queries = _time(call, repetitions=repetitions, warmup=warmup, expect=expect)
        except BenchmarkError as error:
            raise BenchmarkError(f"{what} ({who}) {error}") from None
        result.rows.append(
            Row(
                what=what,
                who=who,
                median_ms=statistics.median(times),
                p95_ms=_p95(times),
                queries=queries,
                kind=kind,
            )
        )

    typical_client = _client(typical)
    record(
        "Floor: trivial staff page",
        "typical worker",
        lambda: typical_client.get("/bench/floor/"),
        kind="floor",
        expect="Floor.",
    )

    search_url = reverse("participant_search")
    workers = [
        ("typical worker (caseload ~50)", typical, typical_client),
        (f"worker assigned to all {total:,}", everyone, _client(everyone)),
    ]
    for who, worker, client in workers:
        files = list(
            Participant.objects.visible_to(worker)
            .exclude(pk__in=[organisation.busy_file.pk, organisation.quiet_file.pk])
            .only("pk", "reference", "known_as", "phone")
            .order_by("reference")
        )
        target = files[len(files) * 2 // 3]
        searches = [
            ("first letters", target.known_as[:3].lower(), 'class="caseload"'),
            ("phone number", _national(target.phone), target.reference),
            ("file reference", target.reference, target.reference),
        ]
        for by, typed, expect in searches:
            for htmx in (True, False):
                if by != "first letters" and not htmx:
                    continue  # the full page differs from the partial by its chrome only
                headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
                record(
                    f"Search by {by}, {'htmx partial' if htmx else 'full page'}",
                    who,
                    lambda typed=typed, headers=headers, client=client: client.post(
                        search_url, {"q": typed}, **headers
                    ),
                    kind="search",
                    expect=expect,
                )

    for label, file in (
        ("no notes", organisation.quiet_file),
        (f"{file_notes(organisation.busy_file)} notes", organisation.busy_file),
    ):
        url = reverse("participant_detail", args=[file.pk])
        record(
            f"Case page, {label}",
            "typical worker",
            lambda url=url: typical_client.get(url),
            kind="case page",
            expect=file.reference,
        )

    _measure_desk(record, organisation, typical_client)

    floor = result.floor.median_ms
    for row in result.rows:
        row.ratio = row.median_ms / floor if floor else None


def _measure_desk(record, organisation, client) -> None:
    """The drop-in desk on a session opened for this run: finding a known visitor by her
    known-as name, and logging her visit (a different person each time, two services)."""
    from datetime import time as clock

    from django.utils import timezone

    from dropin.models import OpeningSession, Service, Site

    site, _created = Site.objects.get_or_create(name="Bench desk")
    taken = set(
        OpeningSession.objects.filter(site=site, date=timezone.localdate()).values_list(
            "opens_at", flat=True
        )
    )
    opens = next(clock(h, m) for h in range(24) for m in range(60) if clock(h, m) not in taken)
    session = OpeningSession.objects.create(
        site=site, opens_at=opens, closes_at=clock(23, 59), opened_by=organisation.typical_worker
    )
    people = iter(
        Participant.objects.at_the_desk()
        .exclude(visits__session=session)
        .order_by("-pk")
        .values_list("pk", "known_as")[:500]
    )
    services = [
        str(pk)
        for pk in Service.objects.filter(code__in=["meal", "shower"]).values_list("pk", flat=True)
    ]
    typed = organisation.quiet_file.known_as[:3]
    hx = {"HTTP_HX_REQUEST": "true"}
    record(
        "Desk: find a visitor by known-as name, htmx",
        "typical worker",
        lambda: client.post(reverse("dropin_people", args=[session.pk]), {"v-q": typed}, **hx),
        kind="desk",
        expect='type="radio"',
    )

    def log_next():
        pk, known_as = next(people)
        data = {
            "v-q": known_as[:3],
            "v-who": str(pk),
            "v-services": services,
            "v-children_count": "0",
        }
        return client.post(reverse("dropin_visit_new", args=[session.pk]), data, **hx)

    record(
        f"Desk: log a visit, htmx ({_visits_so_far():,} past visits)",
        "typical worker",
        log_next,
        kind="desk",
        expect="logged.",
    )


def _visits_so_far() -> int:
    from dropin.models import Visit

    return Visit.objects.count()


def file_notes(participant: Participant) -> int:
    return participant.case_notes.count()


# --- BENCHMARKS.md ------------------------------------------------------------------------

HEADER = """# Benchmarks

Written by `make bench` (`manage.py bench`): a synthetic organisation is generated
into a throwaway database, then the pages staff use most are timed in-process
through the full middleware stack with `django.test.Client`, signed in as a
social worker. Figures are server-side milliseconds (median and 95th percentile
of N requests after warm-ups), the number of SQL queries of one request, and the
ratio to the **floor**: a benchmark-only staff page that renders an empty
`base.html` through the same middleware, role check and database, so the ratio
survives a noisy machine. Each database has its own section, replaced on each run.

Targets (issue 4): participant search under 100 ms median with 10,000
participants, on SQLite and on PostgreSQL; the case page issues the same number of
queries whatever the number of notes. (Issue 6): logging a visit at the drop-in desk
under 50 ms median with 10,000 participants and 200,000 past visits.
"""


def _machine() -> str:
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    return (
        f"{platform.system()} {platform.machine()}, {os.cpu_count()} CPUs "
        f"(load average {load} at the end of the run), "
        f"Python {platform.python_version()}, Django {django.get_version()}"
    )


def _slug(database: str) -> str:
    return re.sub(r"[^a-z]", "", database.split()[0].lower())


def section(result: Result) -> str:
    org = result.organisation
    slug = _slug(result.database)
    counts = ", ".join(f"{value:,} {name}" for name, value in org.counts.items())
    generated = (
        f"generated in {org.seconds:.1f} s" if org.seconds is not None else "reused from a run"
    )
    lines = [
        f"<!-- bench:{slug} -->",
        f"## {result.database}",
        "",
        f"- Run: {result.started_at:%Y-%m-%d %H:%M} UTC, scale `{org.scale}`, "
        f"{result.repetitions} repetitions per row after warm-ups.",
        f"- Machine: {_machine()}.",
        f"- Data ({generated}): {counts}.",
        "",
        "| What | Who | Median ms | p95 ms | Queries | × floor |",
        "|---|---|---:|---:|---:|---:|",
    ]
    for row in result.rows:
        ratio = f"{row.ratio:.1f}" if row.ratio is not None else "-"
        lines.append(
            f"| {row.what} | {row.who} | {row.median_ms:.1f} | {row.p95_ms:.1f} "
            f"| {row.queries} | {ratio} |"
        )
    slowest = result.slowest_search
    quiet, busy = result.case_page_queries
    met = "met" if slowest.median_ms < SEARCH_TARGET_MS else "**missed**"
    lines += [
        "",
        f"- Search under {SEARCH_TARGET_MS:.0f} ms median: {met} at this scale "
        f"(slowest: {slowest.what}, {slowest.who}, {slowest.median_ms:.1f} ms).",
        f"- Case page queries with no notes and with many: {quiet} and {busy} "
        f"({'equal' if quiet == busy else '**not equal**'}).",
    ]
    logging = [row for row in result.rows if row.what.startswith("Desk: log a visit")]
    if logging:
        row = logging[0]
        met = "met" if row.median_ms < VISIT_TARGET_MS else "**missed**"
        lines.append(
            f"- Logging a visit under {VISIT_TARGET_MS:.0f} ms median: {met} at this scale "
            f"({row.median_ms:.1f} ms, {row.queries} queries)."
        )
    lines += [
        f"<!-- /bench:{slug} -->",
    ]
    return "\n".join(lines) + "\n"


def report_write(result: Result, path: Path | str) -> None:
    """Write this database's section into the report, replacing its previous one only
    (text outside the sections, such as an analysis, is kept)."""
    path = Path(path)
    text = path.read_text() if path.exists() else HEADER
    new = section(result)
    slug = _slug(result.database)
    pattern = re.compile(rf"<!-- bench:{slug} -->.*?<!-- /bench:{slug} -->\n?", re.DOTALL)
    if pattern.search(text):
        text = pattern.sub(lambda _match: new, text)
    else:
        text = text.rstrip("\n") + "\n\n" + new
    path.write_text(text)
