"""Time the pages staff use most, beside the floor of the same stack, and write the table.

Timings are server-side and in-process: django.test.Client drives the full
middleware stack and the configured database, and each request is timed with
time.perf_counter (no network, no browser). Each figure is the median and the
95th percentile of N repetitions after a few warm-ups; queries are counted on
one extra request with CaptureQueriesContext.

The annual report (issue 8) is timed as the report task runs it, in-process and without
a request: its figures for the last full calendar year and the whole organisation, then
the whole chain (figures, suppression, frozen copy, PDF), beside its own floor: WeasyPrint
alone drawing the same final HTML, with the same base address and URL fetcher.
"""

from __future__ import annotations

import contextlib
import logging
import os
import platform
import re
import sqlite3
import statistics
import time
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from unittest import mock

import django
from django.conf import settings
from django.db import connection, models, reset_queries
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from benchmarks.generate import Organisation
from cases.models import Participant

SEARCH_TARGET_MS = 100.0
VISIT_TARGET_MS = 50.0
PAGE_FLOOR_TARGET = 3.0  # issue 9: each measured page within 3x of the floor...
PAGE_TARGET_MS = 100.0  # ...and under 100 ms at the large scale on PostgreSQL
ENCRYPTION_TARGET = 1.3  # issue 9: a 50-row list within 1.3x of the same list unencrypted
REPORT_PDF_TARGET_S = 10.0  # issue 8: the whole PDF ready in under 10 s
REPORT_FLOOR_TARGET = 1.5  # issue 9: within 1.5x of WeasyPrint alone on the same HTML
# the report takes seconds: fewer repetitions (at most these, and one warm-up)
REPORT_FIGURES_REPETITIONS = 5
REPORT_PDF_REPETITIONS = 3
REPORT_LANGUAGE = "en"


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
    kind: str = ""  # "search", "case page", "desk", "page", "plain" or "floor"
    key: str = ""  # the same row at every scale (its label may carry counts)


@dataclass
class ReportResult:
    """The annual report: its figures, the whole PDF, and WeasyPrint alone (the floor)."""

    start: date
    end: date
    figures: Row
    pdf: Row
    floor: Row
    figures_repetitions: int
    pdf_repetitions: int
    empty_year_queries: int  # the figures' queries for a year with no data at all
    pdf_bytes: int = 0

    @property
    def period(self) -> str:
        if (self.start.month, self.start.day, self.end.month, self.end.day) == (1, 1, 12, 31):
            return str(self.start.year) if self.start.year == self.end.year else ""
        return f"{self.start} to {self.end}"

    @property
    def ratio(self) -> float:
        return self.pdf.median_ms / self.floor.median_ms


@dataclass
class Result:
    organisation: Organisation
    repetitions: int
    rows: list[Row] = field(default_factory=list)
    database: str = ""
    started_at: datetime | None = None
    report: ReportResult | None = None
    # the same rows' queries in a smaller organisation (``manage.py bench`` measures one
    # first), by key, and that organisation's scale and report figures' queries
    smaller_queries: dict[str, int] | None = None
    smaller_scale: str = ""
    smaller_participants: int = 0

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

    @property
    def pages(self) -> list[Row]:
        """The rows held to issue 9's targets: every measured page but the floor and the
        benchmark-only list without decryption."""
        return [row for row in self.rows if row.kind not in ("floor", "plain")]

    @property
    def encryption_overhead(self) -> tuple[Row, Row] | None:
        """The 50-row list as served, and the same list with decryption bypassed."""
        plain = next((row for row in self.rows if row.kind == "plain"), None)
        if plain is None:
            return None
        served = next(row for row in self.rows if row.key == plain.key.removesuffix(":plain"))
        return served, plain

    def queries_by_key(self) -> dict[str, int]:
        counts = {row.key: row.queries for row in self.rows}
        if self.report is not None:
            counts["report:figures"] = self.report.figures.queries
        return counts


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
    organisation: Organisation,
    *,
    repetitions: int = 30,
    warmup: int = 3,
    progress=None,
    report: bool = True,
) -> Result:
    """Measure search, the case page, the desk and the floor for this organisation, then
    (unless ``report`` is false) the annual report beside its own floor."""
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
        if report:
            result.report = _measure_report(repetitions=repetitions, warmup=warmup, say=say)
    return result


def _measure_into(result, organisation, *, repetitions, warmup, say) -> None:
    typical, everyone = organisation.typical_worker, organisation.everyone_worker
    total = organisation.counts.get("participants", 0)

    def record(what, who, call, *, kind, key, expect=None):
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
                key=key,
            )
        )

    typical_client = _client(typical)
    record(
        "Floor: trivial staff page",
        "typical worker",
        lambda: typical_client.get("/bench/floor/"),
        kind="floor",
        key="floor",
        expect="Floor.",
    )

    search_url = reverse("participant_search")
    workers = [
        ("typical worker (caseload ~50)", "typical", typical, typical_client),
        (f"worker assigned to all {total:,}", "everyone", everyone, _client(everyone)),
    ]
    for who, whom, worker, client in workers:
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
                    key=f"search:{by}:{'htmx' if htmx else 'page'}:{whom}",
                    expect=expect,
                )

    for label, key, file in (
        ("no notes", "quiet", organisation.quiet_file),
        (f"{file_notes(organisation.busy_file)} notes", "busy", organisation.busy_file),
    ):
        url = reverse("participant_detail", args=[file.pk])
        record(
            f"Case page, {label}",
            "typical worker",
            lambda url=url: typical_client.get(url),
            kind="case page",
            key=f"case:{key}",
            expect=file.reference,
        )

    _measure_home(record, organisation, typical_client)
    _measure_desk(record, organisation, typical_client)
    _measure_houses(record, typical_client)
    _measure_portal(record)

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
        key="desk:find",
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
        key="desk:log",
        expect="logged.",
    )
    # the reception page once those visits are in: today's list, as the desk sees it
    # after a busy afternoon (every visit logged above is listed)
    today = session.visits.count()
    url = reverse("dropin_session", args=[session.pk])
    record(
        f"Desk: today's visits, full page ({today} visits)",
        "typical worker",
        lambda: client.get(url),
        kind="desk",
        key="desk:today",
        expect='id="visits"',
    )


# --- her caseload, with and without decryption ---------------------------------------------


@contextlib.contextmanager
def decryption_bypassed():
    """Every encrypted value decrypted once, then served from memory (benchmark only):
    the same page with the cost of Fernet taken out, for the encryption overhead row."""
    from safespace import fields

    real = fields.decrypt_text
    known: dict[str, str] = {}

    def remembered(token: str) -> str:
        try:
            return known[token]
        except KeyError:
            known[token] = value = real(token)
            return value

    with mock.patch.object(fields, "decrypt_text", remembered):
        yield


def _measure_home(record, organisation, client) -> None:
    """Her home page: the list of the files she supports (about 50, their names decrypted),
    then the same page with decryption bypassed (the encryption overhead)."""
    caseload = Participant.objects.filter(
        assignments__worker=organisation.typical_worker, assignments__ended_at__isnull=True
    ).count()
    what = f"Home: her caseload ({caseload} files)"
    record(
        what, "typical worker", lambda: client.get("/"), kind="page", key="home:caseload",
        expect="caseload-heading",
    )  # fmt: skip
    with decryption_bypassed():
        record(
            f"{what}, decryption bypassed",
            "typical worker",
            lambda: client.get("/"),
            kind="plain",
            key="home:caseload:plain",
            expect="caseload-heading",
        )


def _measure_houses(record, client) -> None:
    """The occupancy board: every house with its beds tonight, and the fullest house's
    own board (tonight's beds, arrivals and departures)."""
    from shelters.models import Shelter, Stay

    today = timezone.localdate()
    fullest = (
        Stay.objects.open_on(today)
        .values("bed__room__shelter")
        .annotate(count=models.Count("pk"))
        .order_by("-count", "bed__room__shelter")
        .values_list("bed__room__shelter", "count")
        .first()
    )
    houses = Shelter.objects.count()
    record(
        f"Houses: beds tonight ({houses} houses)",
        "typical worker",
        lambda: client.get(reverse("shelter_list")),
        kind="page",
        key="houses:tonight",
        expect='class="houses"',
    )
    if fullest is None:
        return
    house, staying = fullest
    url = reverse("shelter_detail", args=[house])
    record(
        f"House: tonight's board ({staying} women staying)",
        "typical worker",
        lambda: client.get(url),
        kind="page",
        key="house:board",
        expect='id="tonight"',
    )


PORTAL_USER = "bench-her"


def _measure_portal(record) -> None:
    """Her own space's home, signed in as a participant whose plan has the most goals."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    from lifeplans.models import LifePlan
    from safespace.roles import Role

    plan = (
        LifePlan.objects.filter(participant__reference__startswith="BENCH-")
        .annotate(count=models.Count("goals"))
        .order_by("-count", "pk")
        .values_list("participant", "count")
        .first()
    )
    if plan is None:
        return
    participant_pk, goals = plan
    user, _created = get_user_model().objects.get_or_create(username=PORTAL_USER)
    user.groups.set([Group.objects.get_or_create(name=Role.PARTICIPANT.value)[0]])
    Participant.objects.filter(account=user).exclude(pk=participant_pk).update(account=None)
    Participant.objects.filter(pk=participant_pk).update(account=user)
    client = _client(user)
    record(
        f"Her space: home ({goals} goals)",
        "participant",
        lambda: client.get(reverse("portal_home")),
        kind="page",
        key="portal:home",
        expect="portal-goal",
    )


# --- the annual report -------------------------------------------------------------------


def report_period(today: date | None = None) -> tuple[date, date]:
    """The last full calendar year: the generated history (three years up to today)
    covers all of it, where the year to date may be a few days old."""
    year = (today or timezone.localdate()).year - 1
    return date(year, 1, 1), date(year, 12, 31)


def _figures(start: date, end: date):
    from reports.figures import report_figures

    with translation.override(REPORT_LANGUAGE):
        return report_figures(
            start=start,
            end=end,
            organisation=settings.SAFESPACE_ORGANISATION_NAME,
            threshold=settings.SAFESPACE_REPORT_THRESHOLD,
        )


def report_figures_queries(start: date, end: date) -> int:
    """How many queries the figures of this period take."""
    with CaptureQueriesContext(connection) as captured:
        _figures(start, end)
    return len(captured.captured_queries)


def _report_pdf(start: date, end: date) -> bytes:
    """What reports.services.report_build does for the PDF: figures, suppression, the
    frozen copy, and the PDF drawn from it (here without storing anything)."""
    from reports.document import ReportDocument
    from reports.rendering import render_report_pdf
    from reports.suppression import suppress

    document = suppress(_figures(start, end), threshold=settings.SAFESPACE_REPORT_THRESHOLD)
    document = ReportDocument.from_json(document.as_json())
    return render_report_pdf(document)


def _report_pdf_and_html(start: date, end: date) -> tuple[bytes, str]:
    """One whole PDF, and the final HTML it handed to WeasyPrint (caught on its way)."""
    from reports import rendering

    handed = []
    original = rendering.html_to_pdf

    def catch(html, **kwargs):
        handed.append(html)
        return original(html, **kwargs)

    with mock.patch.object(rendering, "html_to_pdf", catch):
        pdf = _report_pdf(start, end)
    if len(handed) != 1:
        raise BenchmarkError("Report: PDF did not go through reports.rendering.html_to_pdf once")
    return pdf, handed[0]


def _weasyprint_alone(html: str) -> bytes:
    """The floor: WeasyPrint drawing the final HTML, with the report's base and fetcher."""
    from weasyprint import HTML

    from reports.rendering import StaticOnlyURLFetcher, static_root

    base = static_root().as_uri() + "/"
    return HTML(string=html, base_url=base, url_fetcher=StaticOnlyURLFetcher()).write_pdf()


def _timed(call, repetitions: int) -> list[float]:
    times = []
    for _ in range(repetitions):
        started = time.perf_counter()
        answer = call()
        times.append((time.perf_counter() - started) * 1000)
        if isinstance(answer, bytes) and not answer.startswith(b"%PDF"):
            raise BenchmarkError("Report: the PDF is not a PDF")
    return times


def _row(what: str, times: list[float], queries: int) -> Row:
    return Row(
        what=what,
        who="",
        median_ms=statistics.median(times),
        p95_ms=_p95(times),
        queries=queries,
        kind="report",
    )


def _measure_report(*, repetitions: int, warmup: int, say) -> ReportResult:
    # WeasyPrint's font subsetting logs every table it subsets at INFO: not for a run's output
    logging.getLogger("fontTools").setLevel(logging.WARNING)
    start, end = report_period()
    figures_repetitions = min(repetitions, REPORT_FIGURES_REPETITIONS)
    pdf_repetitions = min(repetitions, REPORT_PDF_REPETITIONS)

    say(f"Report: figures ({start.year}, whole organisation)")
    for _ in range(min(warmup, 1)):
        _figures(start, end)
    queries = report_figures_queries(start, end)
    times = _timed(lambda: _figures(start, end), figures_repetitions)
    figures = _row("Report: figures", times, queries)
    # nothing may grow with the data: a year long before any data asks as many queries
    empty = start.year - 20
    empty_year_queries = report_figures_queries(date(empty, 1, 1), date(empty, 12, 31))

    say("Report: PDF (figures, suppression, PDF), and WeasyPrint alone on the same HTML")
    # the warm-up (always one: it catches the final HTML), its queries counted
    with CaptureQueriesContext(connection) as captured:
        pdf, html = _report_pdf_and_html(start, end)
    if not pdf.startswith(b"%PDF"):
        raise BenchmarkError("Report: the PDF is not a PDF")
    # one after the other, so that a burst of load elsewhere weighs on both alike
    chain_times, floor_times = [], []
    for _ in range(pdf_repetitions):
        chain_times += _timed(lambda: _report_pdf(start, end), 1)
        floor_times += _timed(lambda: _weasyprint_alone(html), 1)
    pdf_row = _row(
        "Report: PDF (figures, suppression, PDF)", chain_times, len(captured.captured_queries)
    )
    floor = _row("Floor: WeasyPrint alone on the same HTML", floor_times, 0)
    report = ReportResult(
        start=start,
        end=end,
        figures=figures,
        pdf=pdf_row,
        floor=floor,
        figures_repetitions=figures_repetitions,
        pdf_repetitions=pdf_repetitions,
        empty_year_queries=empty_year_queries,
        pdf_bytes=len(pdf),
    )
    pdf_row.ratio, floor.ratio = report.ratio, 1.0
    say(
        f"Report done: figures {figures.median_ms / 1000:.2f} s median ({queries} queries), "
        f"PDF {pdf_row.median_ms / 1000:.2f} s, WeasyPrint alone {floor.median_ms / 1000:.2f} s "
        f"(x{report.ratio:.2f})"
    )
    return report


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
under 50 ms median with 10,000 participants and 200,000 past visits. (Issue 8): with
10,000 participants, 200,000 visits, 3,000 stays and 40,000 goals, the annual report's
figures take a constant number of queries and the whole PDF is ready in under 10 s;
(issue 9) within 1.5x of WeasyPrint alone drawing the same final HTML. (Issue 9): each
page (search, case page, her caseload, the desk and today's visits, the houses'
occupancy, her own space) within 3x of the floor and under 100 ms median at the large
scale on PostgreSQL; her caseload list (about 50 names decrypted) within 1.3x of the same
page with decryption bypassed (benchmark only: each value decrypted once, then served
from memory); the same number of queries per page at the small and the large scale
(`make bench` measures the small organisation first, in its own fresh database).
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
    logging = [row for row in result.rows if row.key == "desk:log"]
    if logging:
        row = logging[0]
        met = "met" if row.median_ms < VISIT_TARGET_MS else "**missed**"
        lines.append(
            f"- Logging a visit under {VISIT_TARGET_MS:.0f} ms median: {met} at this scale "
            f"({row.median_ms:.1f} ms, {row.queries} queries)."
        )
    lines += _page_target_lines(result)
    if result.smaller_queries is not None:
        lines += ["", *_queries_by_scale_lines(result)]
    if result.report is not None:
        lines += ["", *_report_lines(result.report)]
    lines += [
        f"<!-- /bench:{slug} -->",
    ]
    return "\n".join(lines) + "\n"


def _page_target_lines(result: Result) -> list[str]:
    """Issue 9's targets: each page within 3x of the floor and under 100 ms; the 50-row
    list within 1.3x of itself without decryption."""
    slow = [row for row in result.pages if row.ratio is not None and row.ratio > PAGE_FLOOR_TARGET]
    over = [row for row in result.pages if row.median_ms >= PAGE_TARGET_MS]

    def named(rows: list[Row], figure) -> str:
        return "; ".join(f"{row.what}, {row.who}: {figure(row)}" for row in rows)

    lines = [
        f"- Every page within {PAGE_FLOOR_TARGET:.0f}× of the floor: "
        + (
            "met."
            if not slow
            else f"**missed** by {len(slow)} of {len(result.pages)} rows "
            f"({named(slow, lambda row: f'{row.ratio:.1f}×')})."
        ),
        f"- Every page under {PAGE_TARGET_MS:.0f} ms median: "
        + (
            "met at this scale."
            if not over
            else f"**missed** by {len(over)} of {len(result.pages)} rows "
            f"({named(over, lambda row: f'{row.median_ms:.1f} ms')})."
        ),
    ]
    overhead = result.encryption_overhead
    if overhead is not None:
        served, plain = overhead
        ratio = served.median_ms / plain.median_ms
        met = "met" if ratio < ENCRYPTION_TARGET else "**missed**"
        lines.append(
            f"- Encryption overhead on her caseload list under {ENCRYPTION_TARGET}×: {met} "
            f"({ratio:.2f}×: {served.median_ms:.1f} ms against {plain.median_ms:.1f} ms with "
            "every value already decrypted)."
        )
    return lines


def _queries_by_scale_lines(result: Result) -> list[str]:
    """The queries of each row here and in the smaller organisation measured first."""
    smaller = result.smaller_queries or {}
    here = result.queries_by_key()
    names = {row.key: f"{row.what} ({row.who})" if row.who else row.what for row in result.rows}
    names["report:figures"] = "Report: figures"
    lines = [
        f"Queries per request at scale `{result.smaller_scale}` "
        f"({result.smaller_participants:,} participants) and `{result.organisation.scale}` "
        f"({result.organisation.counts.get('participants', 0):,}), each measured in its own "
        "fresh database in the same run:",
        "",
        f"| What | `{result.smaller_scale}` | `{result.organisation.scale}` | Equal |",
        "|---|---:|---:|---|",
    ]
    unequal = 0
    for key, queries in here.items():
        small = smaller.get(key)
        equal = small == queries
        unequal += not equal
        shown = "-" if small is None else str(small)
        lines.append(f"| {names[key]} | {shown} | {queries} | {'yes' if equal else '**no**'} |")
    verdict = "met (nothing grows with the data)" if not unequal else f"**missed** ({unequal} rows)"
    lines += ["", f"- Query counts equal at both scales: {verdict}."]
    return lines


def _report_lines(report: ReportResult) -> list[str]:
    def s(row: Row) -> str:
        return f"{row.median_ms / 1000:.2f} s"

    lines = [
        f"### Annual report ({report.period or report.start}, the whole organisation)",
        "",
        f"In-process, as the report task runs it: {report.figures_repetitions} repetitions "
        f"of the figures and {report.pdf_repetitions} of each PDF, after one warm-up. The "
        "floor is WeasyPrint alone drawing the same final HTML (same base address and "
        "fetcher), timed in turn with the whole PDF; the PDF is "
        f"{report.pdf_bytes / 1024:,.0f} KiB.",
        "",
        "| What | Median ms | p95 ms | Queries | × WeasyPrint alone |",
        "|---|---:|---:|---:|---:|",
    ]
    for row in (report.figures, report.pdf, report.floor):
        ratio = f"{row.ratio:.2f}" if row.ratio is not None else "-"
        lines.append(
            f"| {row.what} | {row.median_ms:.0f} | {row.p95_ms:.0f} | {row.queries} | {ratio} |"
        )
    constant = report.figures.queries == report.empty_year_queries
    pdf_met = report.pdf.median_ms < REPORT_PDF_TARGET_S * 1000
    floor_met = report.ratio <= REPORT_FLOOR_TARGET
    lines += [
        "",
        f"- Report figures in a constant number of queries: {report.figures.queries} for "
        f"{report.period or 'the period'} and {report.empty_year_queries} for a year with no "
        f"data ({'equal' if constant else '**not equal**'}).",
        f"- Whole PDF under {REPORT_PDF_TARGET_S:.0f} s: {'met' if pdf_met else '**missed**'} "
        f"at this scale ({s(report.pdf)} median, {report.pdf.p95_ms / 1000:.2f} s p95; "
        f"figures {s(report.figures)}).",
        f"- PDF within {REPORT_FLOOR_TARGET}× of WeasyPrint alone on the same HTML: "
        f"{'met' if floor_met else '**missed**'} ({report.ratio:.2f}×: {s(report.pdf)} "
        f"against {s(report.floor)}).",
    ]
    return lines


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
