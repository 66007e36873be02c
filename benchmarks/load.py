"""The load run (issue 9): gunicorn serving the synthetic organisation to simulated staff.

``load_run(organisation)`` signs in ``users`` social workers of the generated organisation
(one session each, made in this process with ``Client.force_login``, as the in-process bench
does; each account gets the authenticator staff need), opens a drop-in session for today,
writes what each simulated user needs to a private temporary file, starts gunicorn on the
loopback interface with ``benchmarks.settings`` (DEBUG off, the floor view added) against
the same database, checks over HTTP that every session is let in, then runs locust
headless for ``seconds`` (``benchmarks/locustfile.py``, as its own process: locust's gevent
patching never enters this one) and reads its statistics back: requests, failures,
throughput and the median, 95th and 99th percentiles of each page, and each page's median
as a ratio to the floor's under the same load. Whatever happens, gunicorn is stopped, and
the sessions, the authenticators it added and the temporary files are removed; the drop-in
session is closed, its visits kept like any generated data.

Latencies are locust's: client-side, over loopback, in whole milliseconds (locust keeps
times above 100 ms to two significant figures). Load and server share the machine's CPUs.
"""

from __future__ import annotations

import contextlib
import csv
import http.client
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote, urlencode

from django.conf import settings
from django.db import connection

from benchmarks.generate import USERNAME_PREFIX, Organisation
from benchmarks.measure import HEADER, _database, _machine, _national

HOST = "127.0.0.1"  # loopback only: nothing here ever listens on another interface
LOCUSTFILE = Path(__file__).resolve().parent / "locustfile.py"
IDENTITIES_ENV = "SAFESPACE_BENCH_IDENTITIES"  # read by the locustfile
P95_TARGET_MS = 300.0  # issue 9: p95 under 300 ms with zero errors
WAIT_SECONDS = (0.5, 1.5)  # between two clicks of one simulated user (a busy worker)
SLUG = "load"
# the stats rows, in the table's order (the locustfile names its requests with these)
TASKS = {
    "floor": "Floor: trivial staff page",
    "home": "Home: her caseload",
    "search": "Search, htmx partial",
    "case_page": "Case page",
    "session_page": "Desk: today's session page",
    "log_visit": "Desk: log a visit, htmx",
    # once her own pool of people is used up, she logs anonymous visitors
    "log_anonymous": "Desk: log an anonymous visit, htmx (her pool used up)",
}
# every run must show these (the anonymous row only appears when a pool ran out)
REQUIRED_TASKS = tuple(name for key, name in TASKS.items() if key != "log_anonymous")
AGGREGATED = "Aggregated"
POOL_MAX = 200  # people each user may log (about ten a minute are logged)
FILES_SEARCHED = 5  # of her caseload, whose name, phone and reference she types
STARTUP_SECONDS = 60
STOP_SECONDS = 20


class LoadError(Exception):
    """The load run could not start or finish: no figures to report."""


@dataclass
class LoadRow:
    what: str
    requests: int
    failures: int
    requests_per_s: float
    median_ms: float
    p95_ms: float
    p99_ms: float
    ratio: float | None = None


@dataclass
class LoadResult:
    organisation: Organisation
    users: int
    seconds: int
    workers: int
    wait: tuple[float, float]  # seconds between two clicks of one user, at least and at most
    accounts: int  # distinct staff accounts the users are signed in as
    database: str = ""
    started_at: datetime | None = None
    rows: list[LoadRow] = field(default_factory=list)
    aggregated: LoadRow | None = None
    # (request, error, occurrences) from locust's failures; (message, count) of exceptions
    # raised in the simulated users' own code (not requests, but errors all the same)
    failures: list[tuple[str, str, int]] = field(default_factory=list)
    exceptions: list[tuple[str, int]] = field(default_factory=list)

    def row(self, what: str) -> LoadRow | None:
        return next((row for row in self.rows if row.what == what), None)

    @property
    def floor(self) -> LoadRow | None:
        return self.row(TASKS["floor"])

    @property
    def errors(self) -> int:
        failed = self.aggregated.failures if self.aggregated is not None else 0
        return failed + sum(count for _message, count in self.exceptions)

    @property
    def met(self) -> bool:
        return (
            self.aggregated is not None
            and self.aggregated.requests > 0
            and self.aggregated.p95_ms < P95_TARGET_MS
            and self.errors == 0
        )


# --- the run -------------------------------------------------------------------------------


def load_run(
    organisation: Organisation,
    *,
    users: int = 20,
    seconds: int = 60,
    workers: int = 2,
    wait: tuple[float, float] = WAIT_SECONDS,
    progress=None,
) -> LoadResult:
    """Serve this organisation with gunicorn to ``users`` simulated staff for ``seconds``,
    each waiting between ``wait`` seconds between two clicks."""
    if users < 1 or seconds < 1 or workers < 1:
        raise LoadError("users, seconds and workers must be at least 1")
    say = progress or (lambda message: None)
    database_url = _database_url()  # before anything is created: refuses an in-memory one
    result = LoadResult(
        organisation=organisation,
        users=users,
        seconds=seconds,
        workers=workers,
        wait=wait,
        accounts=0,
        database=_database(),
        started_at=datetime.now(UTC),
    )
    made = _Made()
    folder = Path(tempfile.mkdtemp(prefix="safespace-load-"))  # 0700: only this user
    server = None
    try:
        from safespace.crypto import canary_verify

        canary_verify()  # made here once, not raced by the workers of an empty database
        say(f"signing in {users} simulated staff and opening today's drop-in session")
        identities, result.accounts = _identities_prepare(users, made)
        identities_file = folder / "identities.json"
        _private_write(identities_file, {"names": TASKS, "wait": list(wait),
                                         "identities": identities})  # fmt: skip
        port = _free_port()
        say(f"starting gunicorn ({workers} workers) on {HOST}:{port}")
        server = _gunicorn_start(port, workers, database_url, folder)
        _wait_healthy(server, port, folder)
        say("checking every session over HTTP, and warming the workers")
        _verify_and_warm(port, identities, workers)
        say(f"locust: {users} users for {seconds} s")
        _locust(port, users, seconds, identities_file, folder)
        _results_read(result, folder / "locust")
    finally:
        if server is not None:
            _gunicorn_stop(server)
        made.remove()
        shutil.rmtree(folder, ignore_errors=True)
    return result


class _Made:
    """What the run adds to the database for itself, removed (or closed) afterwards."""

    def __init__(self):
        self.session_keys: list[str] = []
        self.authenticators: list[int] = []
        self.opening = None

    def remove(self) -> None:
        from allauth.mfa.models import Authenticator
        from allauth.usersessions.models import UserSession
        from django.contrib.sessions.models import Session
        from django.utils import timezone

        from dropin.models import OpeningSession

        Session.objects.filter(session_key__in=self.session_keys).delete()
        UserSession.objects.filter(session_key__in=self.session_keys).delete()
        Authenticator.objects.filter(pk__in=self.authenticators).delete()
        if self.opening is not None:
            OpeningSession.objects.filter(pk=self.opening.pk).update(closed_at=timezone.now())


def _database_url() -> str:
    """The database this process uses (the test database under pytest), as DATABASE_URL."""
    config = connection.settings_dict
    name = str(config["NAME"])
    if connection.vendor == "sqlite":
        if name == ":memory:" or "mode=memory" in name:
            raise LoadError("an in-memory SQLite database cannot be shared with gunicorn")
        return f"sqlite:///{Path(name).resolve()}"
    if connection.vendor != "postgresql":
        raise LoadError(f"{connection.vendor} is not supported")
    user = quote(config.get("USER") or "", safe="")
    password = config.get("PASSWORD") or ""
    auth = f"{user}:{quote(password, safe='')}" if password else user
    host = quote(config.get("HOST") or "", safe="")
    port = f":{config['PORT']}" if config.get("PORT") else ""
    options = {k: v for k, v in (config.get("OPTIONS") or {}).items() if isinstance(v, str)}
    query = f"?{urlencode(options)}" if options else ""
    return f"postgres://{auth}{'@' if auth else ''}{host}{port}/{quote(name, safe='')}{query}"


def _identities_prepare(users: int, made: _Made) -> tuple[list[dict], int]:
    """One signed-in session per simulated user, over the social workers' accounts (cycled
    when the organisation has fewer of them than users), with her caseload, what she types
    and her own pool of people to log at today's drop-in session."""
    from allauth.mfa.models import Authenticator
    from django.contrib.auth import get_user_model
    from django.http import HttpRequest
    from django.middleware.csrf import get_token
    from django.test import Client

    from cases.models import Participant
    from dropin.forms import ANONYMOUS
    from dropin.models import Service

    accounts = list(
        get_user_model()
        .objects.filter(username__startswith=f"{USERNAME_PREFIX}sw-")
        .order_by("username")[:users]
    )
    if not accounts:
        raise LoadError("no generated social workers (bench-sw-...): run manage.py bench first")
    made.opening = opening = _session_open(accounts[0])
    people = list(
        Participant.objects.at_the_desk()
        .exclude(visits__session=opening)
        .order_by("pk")
        .values_list("pk", "known_as")[: users * POOL_MAX]
    )
    services = [
        str(pk)
        for pk in Service.objects.filter(code__in=["meal", "shower"]).values_list("pk", flat=True)
    ]
    csrf_header = settings.CSRF_HEADER_NAME.removeprefix("HTTP_").replace("_", "-")
    identities = []
    for number in range(users):
        user = accounts[number % len(accounts)]
        # staff reach nothing without an authenticator (StaffMFAEnrolmentMiddleware)
        if not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
            from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

            made.authenticators.append(TOTP.activate(user, generate_totp_secret()).instance.pk)
        client = Client()
        client.force_login(user)
        session_key = client.cookies[settings.SESSION_COOKIE_NAME].value
        made.session_keys.append(session_key)
        bare = HttpRequest()
        csrf_token = get_token(bare)
        files = list(
            Participant.objects.filter(assignments__worker=user, assignments__ended_at__isnull=True)
            .distinct()
            .only("pk", "reference", "known_as", "phone")
            .order_by("reference")
        )
        if not files:
            raise LoadError(f"{user.username} has no caseload to browse")
        searches = []
        for file in files[:: max(1, len(files) // FILES_SEARCHED)][:FILES_SEARCHED]:
            searches += [
                {"q": file.known_as[:3].lower(), "expect": 'class="caseload"'},
                {"q": _national(file.phone), "expect": file.reference},
                {"q": file.reference, "expect": file.reference},
            ]
        identities.append(
            {
                "cookies": {
                    settings.SESSION_COOKIE_NAME: session_key,
                    settings.CSRF_COOKIE_NAME: bare.META["CSRF_COOKIE"],
                },
                "csrf_header": csrf_header,
                "csrf_token": csrf_token,
                "files": [{"pk": file.pk, "reference": file.reference} for file in files],
                "searches": searches,
                "session": opening.pk,
                # disjoint: no two users log the same person in this session
                "pool": [[pk, known_as[:3]] for pk, known_as in people[number::users]],
                "services": services,
                "anonymous": ANONYMOUS,
            }
        )
    return identities, len(accounts)


def _session_open(opened_by):
    """A drop-in session for today at the benchmark's desk, at a start time still free."""
    from datetime import time as clock

    from django.utils import timezone

    from dropin.models import OpeningSession, Site

    site, _created = Site.objects.get_or_create(name="Bench desk")
    taken = set(
        OpeningSession.objects.filter(site=site, date=timezone.localdate()).values_list(
            "opens_at", flat=True
        )
    )
    free = (clock(h, m) for h in range(24) for m in range(60) if clock(h, m) not in taken)
    opens = next((start for start in free if start < clock(23, 59)), None)
    if opens is None:
        raise LoadError("no start time left today for a drop-in session at the bench desk")
    return OpeningSession.objects.create(
        site=site, opens_at=opens, closes_at=clock(23, 59), opened_by=opened_by
    )


def _private_write(path: Path, data: dict) -> None:
    """Owner-only, created afresh: it holds live session cookies until the run ends."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(data, handle)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def _child_environment(**extra: str) -> dict[str, str]:
    """This process's environment without what would change gunicorn's or locust's
    options behind the run's back."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("LOCUST_") and key != "GUNICORN_CMD_ARGS"
    }
    env.update(extra)
    return env


def _gunicorn_start(port: int, workers: int, database_url: str, folder: Path):
    env = _child_environment(
        DJANGO_SETTINGS_MODULE="benchmarks.settings",
        DJANGO_DEBUG="1",  # the development keys that generated the data; DEBUG is off
        DATABASE_URL=database_url,
        REDIS_URL="",  # tasks run eagerly, the cache is each worker's own
        DJANGO_LOG_LEVEL="WARNING",
    )
    log = _private_log(folder / "gunicorn.log")
    try:
        return subprocess.Popen(  # noqa: S603 - fixed arguments, no shell
            [
                sys.executable,
                "-m",
                "gunicorn",
                "safespace.wsgi:application",
                "--workers",
                str(workers),
                "--bind",
                f"{HOST}:{port}",
                "--log-level",
                "warning",
                "--graceful-timeout",
                "10",
                "--timeout",
                "60",
            ],  # fmt: skip
            cwd=settings.BASE_DIR,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # a Ctrl-C reaches this process, which stops it cleanly
        )
    finally:
        log.close()


def _private_log(path: Path):
    return os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb")


def _tail(path: Path, lines: int = 15) -> str:
    try:
        text = path.read_text(errors="replace")
    except OSError:
        return ""
    return "\n".join(text.strip().splitlines()[-lines:])


def _wait_healthy(server, port: int, folder: Path) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise LoadError(
                f"gunicorn stopped at start-up (exit {server.returncode}):\n"
                + _tail(folder / "gunicorn.log")
            )
        with contextlib.suppress(OSError):
            status, _text, _location = _request(port, "GET", "/healthz")
            if status == 200:
                return
        time.sleep(0.2)
    raise LoadError(f"gunicorn did not answer /healthz within {STARTUP_SECONDS} s")


def _request(port, method, path, identity=None, data=None) -> tuple[int, str, str]:
    """One request over loopback, signed in as this identity: (status, body, Location)."""
    headers = {"Accept-Language": "en"}
    body = None
    if identity is not None:
        headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in identity["cookies"].items())
    if data is not None:
        body = urlencode(data, doseq=True)
        headers |= {
            "Content-Type": "application/x-www-form-urlencoded",
            identity["csrf_header"]: identity["csrf_token"],
            "HX-Request": "true",
        }
    conn = http.client.HTTPConnection(HOST, port, timeout=30)
    try:
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        text = response.read().decode("utf-8", "replace")
        return response.status, text, response.getheader("Location") or ""
    finally:
        conn.close()


def _verify_and_warm(port: int, identities: list[dict], workers: int) -> None:
    """Every session must be let in over HTTP (the floor is a staff page behind the MFA
    enrolment check); then each page once per worker or so, so that the timed run does not
    pay the first request's template loading."""

    def expect(name, status, text, location, wanted):
        if status != 200:
            where = f" to {location.split('?')[0]}" if location else ""
            raise LoadError(f"{name} answered {status}{where} over HTTP, not 200")
        if wanted not in text:
            raise LoadError(f"{name} lacks what it should show over HTTP")

    for identity in identities:
        expect(TASKS["floor"], *_request(port, "GET", "/bench/floor/", identity), "Floor.")
    me = identities[0]
    file, search = me["files"][0], me["searches"][0]
    for _ in range(2 * workers):
        expect(TASKS["home"], *_request(port, "GET", "/", me), "caseload-heading")
        expect(
            TASKS["search"],
            *_request(port, "POST", "/people/search/", me, {"q": search["q"]}),
            search["expect"],
        )
        expect(
            TASKS["case_page"], *_request(port, "GET", f"/people/{file['pk']}/", me),
            file["reference"],
        )  # fmt: skip
        expect(
            TASKS["session_page"],
            *_request(port, "GET", f"/dropin/sessions/{me['session']}/", me),
            'id="desk"',
        )


def _locust(port: int, users: int, seconds: int, identities_file: Path, folder: Path) -> None:
    log = _private_log(folder / "locust.log")
    try:
        completed = subprocess.run(  # noqa: S603 - fixed arguments, no shell
            [
                sys.executable,
                "-m",
                "locust",
                "-f",
                str(LOCUSTFILE),
                "--headless",
                "-u",
                str(users),
                "-r",
                str(users),
                "-t",
                f"{seconds}s",
                "--host",
                f"http://{HOST}:{port}",
                "--csv",
                str(folder / "locust"),
                "--only-summary",
                "--loglevel",
                "WARNING",
            ],  # fmt: skip
            cwd=folder,  # no locust.conf nor pyproject.toml of ours is read
            env=_child_environment(**{IDENTITIES_ENV: str(identities_file)}),
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            timeout=seconds + 120,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise LoadError(f"locust did not finish within {seconds + 120} s") from None
    finally:
        log.close()
    # locust exits 1 when a request failed: the figures say so; anything else is a crash
    if completed.returncode not in (0, 1) or not (folder / "locust_stats.csv").exists():
        raise LoadError(
            f"locust failed (exit {completed.returncode}):\n" + _tail(folder / "locust.log")
        )


def _gunicorn_stop(server) -> None:
    if server.poll() is not None:
        return
    server.send_signal(signal.SIGTERM)  # graceful: workers finish their request
    try:
        server.wait(timeout=STOP_SECONDS)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(server.pid, signal.SIGKILL)  # its own process group, started above
        server.wait(timeout=STOP_SECONDS)


# --- locust's statistics --------------------------------------------------------------------


def _number(value: str) -> float:
    try:
        return float(value)
    except ValueError:  # "N/A" when a row has no requests
        return 0.0


def _row(record: dict) -> LoadRow:
    return LoadRow(
        what=record["Name"],
        requests=int(_number(record["Request Count"])),
        failures=int(_number(record["Failure Count"])),
        requests_per_s=_number(record["Requests/s"]),
        median_ms=_number(record["50%"]),
        p95_ms=_number(record["95%"]),
        p99_ms=_number(record["99%"]),
    )


def _results_read(result: LoadResult, prefix: Path) -> None:
    """Locust's CSV files (``<prefix>_stats.csv`` and its failures and exceptions) into the
    result, rows in the table's order, each median as a ratio to the floor's."""
    with open(f"{prefix}_stats.csv", newline="", encoding="utf-8") as handle:
        records = list(csv.DictReader(handle))
    rows = {record["Name"]: _row(record) for record in records if record["Name"] != AGGREGATED}
    aggregated = [_row(record) for record in records if record["Name"] == AGGREGATED]
    order = list(TASKS.values())
    result.rows = sorted(
        rows.values(), key=lambda row: order.index(row.what) if row.what in order else len(order)
    )
    result.aggregated = aggregated[0] if aggregated else None
    floor = result.floor
    for row in [*result.rows, *aggregated]:
        row.ratio = row.median_ms / floor.median_ms if floor and floor.median_ms else None
    failures = Path(f"{prefix}_failures.csv")
    if failures.exists():
        with open(failures, newline="", encoding="utf-8") as handle:
            result.failures = [
                (record["Name"], record["Error"], int(_number(record["Occurrences"])))
                for record in csv.DictReader(handle)
            ]
    exceptions = Path(f"{prefix}_exceptions.csv")
    if exceptions.exists():
        with open(exceptions, newline="", encoding="utf-8") as handle:
            result.exceptions = [
                (record["Message"], int(_number(record["Count"])))
                for record in csv.DictReader(handle)
            ]


# --- BENCHMARKS.md ----------------------------------------------------------------------------


def load_section(result: LoadResult) -> str:
    org = result.organisation
    counts = ", ".join(f"{value:,} {name}" for name, value in org.counts.items())
    shared = (
        f"{result.users} signed-in sessions of {result.accounts} social workers' accounts"
        if result.accounts < result.users
        else f"{result.users} social workers, each signed in once"
    )
    low, high = result.wait
    lines = [
        f"<!-- bench:{SLUG} -->",
        f"## Load run (gunicorn, {result.database})",
        "",
        f"- Run: {result.started_at:%Y-%m-%d %H:%M} UTC, scale `{org.scale}`, "
        f"{result.users} simulated staff users ({shared}) for {result.seconds} s, each "
        f"clicking every {low} to {high} s: her caseload, her files, search, today's drop-in "
        "session and logging visits (a different person each time).",
        f"- Server: gunicorn with {result.workers} sync workers on {HOST} (plain http, "
        "DEBUG off, `benchmarks.settings`); load from locust, headless, on the same machine. "
        "Latencies are client-side over loopback, in whole ms (locust keeps those above "
        "100 ms to two significant figures).",
        f"- Machine: {_machine()}.",
        f"- Data: {counts}.",
        "",
        "| What | Requests | Failures | Req/s | Median ms | p95 ms | p99 ms | × floor |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    rows = list(result.rows)
    if result.aggregated is not None:
        rows.append(result.aggregated)
    for row in rows:
        ratio = f"{row.ratio:.1f}" if row.ratio is not None else "-"
        what = "**All requests**" if row is result.aggregated else row.what
        lines.append(
            f"| {what} | {row.requests:,} | {row.failures:,} | {row.requests_per_s:.1f} "
            f"| {row.median_ms:.0f} | {row.p95_ms:.0f} | {row.p99_ms:.0f} | {ratio} |"
        )
    p95 = result.aggregated.p95_ms if result.aggregated is not None else float("nan")
    failed = result.aggregated.failures if result.aggregated is not None else 0
    errors = f"{failed:,} failures"
    raised = sum(count for _message, count in result.exceptions)
    if raised:
        errors += f", {raised:,} exceptions in the simulated users"
    lines += [
        "",
        f"- p95 under {P95_TARGET_MS:.0f} ms with zero errors: "
        f"{'met' if result.met else '**missed**'} (aggregated p95 {p95:.0f} ms, {errors}).",
    ]
    for name, error, occurrences in result.failures[:5]:
        lines.append(f"- Failed: {name}: {error} ({occurrences:,}×).")
    lines.append(f"<!-- /bench:{SLUG} -->")
    return "\n".join(lines) + "\n"


def load_write(result: LoadResult, path: Path | str) -> None:
    """Write the load run's section into the report, replacing only its previous one."""
    path = Path(path)
    text = path.read_text() if path.exists() else HEADER
    new = load_section(result)
    pattern = re.compile(rf"<!-- bench:{SLUG} -->.*?<!-- /bench:{SLUG} -->\n?", re.DOTALL)
    if pattern.search(text):
        text = pattern.sub(lambda _match: new, text)
    else:
        text = text.rstrip("\n") + "\n\n" + new
    path.write_text(text)
