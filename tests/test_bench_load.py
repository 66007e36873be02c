"""The load run's harness runs (tiny organisation, two users, a few seconds against gunicorn
with one worker): it must not rot. Never asserts timings.

gunicorn and locust run as subprocesses against the test database, so the data they read is
committed (transaction=True). On SQLite the test database is a file (tests/settings.py),
which gunicorn opens too; an in-memory one could not be shared, and the test is skipped.
"""

import sys

import pytest
from django.contrib.sessions.models import Session
from django.core.management import CommandError, call_command
from django.db import connection

from benchmarks import generate
from benchmarks.load import REQUIRED_TASKS, load_run, load_section, load_write
from dropin.models import OpeningSession, Visit

TABLE_HEAD = "| What | Requests | Failures | Req/s | Median ms | p95 ms | p99 ms | × floor |"


def _database_shared_with_subprocesses() -> bool:
    name = str(connection.settings_dict["NAME"])
    return not (connection.vendor == "sqlite" and (name == ":memory:" or "mode=memory" in name))


@pytest.mark.django_db(transaction=True)
def test_the_load_run_serves_every_task_without_a_failure(tmp_path):
    if not _database_shared_with_subprocesses():
        pytest.skip("the SQLite test database is in memory: gunicorn could not open it")
    organisation = generate("tiny")
    visits_before = Visit.objects.count()
    # quick clicks, so that in a few seconds every task comes up (weights are random draws)
    result = load_run(organisation, users=2, seconds=5, workers=1, wait=(0.05, 0.1))

    for name in REQUIRED_TASKS:
        row = result.row(name)
        assert row is not None, f"{name}: no requests"
        assert row.requests > 0, name
        assert row.failures == 0, (name, result.failures)
    assert result.aggregated.requests == sum(row.requests for row in result.rows)
    assert result.errors == 0, (result.failures, result.exceptions)
    assert result.floor.ratio == 1.0
    # locust ran as its own process: its gevent patching never entered this one
    assert "locust" not in sys.modules
    assert "gevent" not in sys.modules
    # visits were really logged through gunicorn, into the session opened for the run
    assert Visit.objects.count() > visits_before
    # afterwards: its sessions are gone and its drop-in session is closed
    assert not Session.objects.exists()
    assert not OpeningSession.objects.filter(site__name="Bench desk", closed_at=None).exists()

    section = load_section(result)
    assert section.startswith("<!-- bench:load -->\n## Load run (gunicorn, ")
    assert TABLE_HEAD in section
    for name in REQUIRED_TASKS:
        assert f"| {name} |" in section
    assert "p95 under 300 ms with zero errors:" in section

    # written into the report, replacing only its own block
    report = tmp_path / "BENCHMARKS.md"
    report.write_text("# Benchmarks\n\nAn analysis written by hand.\n")
    load_write(result, report)
    load_write(result, report)
    text = report.read_text()
    assert text.count(TABLE_HEAD) == 1
    assert text.count("<!-- /bench:load -->") == 1
    assert "An analysis written by hand." in text


def test_the_command_refuses_to_run_without_debug(settings, tmp_path):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DJANGO_DEBUG"):
        call_command("bench_load", output=str(tmp_path / "b.md"))


@pytest.mark.django_db
def test_the_command_runs_on_postgresql_only(settings, tmp_path):
    if connection.vendor == "postgresql":
        pytest.skip("on PostgreSQL the command goes on (see the next test)")
    settings.DEBUG = True
    with pytest.raises(CommandError, match="PostgreSQL"):
        call_command("bench_load", output=str(tmp_path / "b.md"))


@pytest.mark.django_db
def test_the_command_asks_for_a_generated_organisation_first(settings, tmp_path):
    if connection.vendor != "postgresql":
        pytest.skip("the command refuses anything but PostgreSQL before this")
    settings.DEBUG = True
    with pytest.raises(CommandError, match="make bench"):
        call_command("bench_load", output=str(tmp_path / "b.md"))


@pytest.mark.django_db
def test_the_command_refuses_a_database_holding_real_files(settings, eve_file, tmp_path):
    if connection.vendor != "postgresql":
        pytest.skip("the command refuses anything but PostgreSQL before this")
    settings.DEBUG = True
    with pytest.raises(CommandError, match="did not generate"):
        call_command("bench_load", output=str(tmp_path / "b.md"))
