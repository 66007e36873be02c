"""The benchmark harness runs (at a tiny scale): it must not rot. Never asserts timings."""

import pytest
from django.core.management import CommandError, call_command

from benchmarks import generate, measure, report_write
from benchmarks.database import NotABenchmarkDatabase, database_recreate
from cases.models import SearchToken

pytestmark = pytest.mark.django_db


def test_the_harness_generates_measures_and_writes_its_table(tmp_path):
    organisation = generate("tiny")
    assert organisation.counts["participants"] == 30
    result = measure(organisation, repetitions=3, warmup=1)

    report = tmp_path / "BENCHMARKS.md"
    report_write(result, report)
    text = report.read_text()
    assert "| What | Who | Median ms | p95 ms | Queries | × floor |" in text
    for what in (
        "Floor: trivial staff page",
        "Search by first letters, htmx partial",
        "Search by phone number, htmx partial",
        "Search by file reference, htmx partial",
        "Case page, no notes",
    ):
        assert f"| {what} |" in text
    assert all(row.queries > 0 for row in result.rows)

    # a second run replaces its own section and keeps what was written around it
    report.write_text(text + "\nAn analysis written by hand.\n")
    report_write(result, report)
    text = report.read_text()
    assert text.count("| Floor: trivial staff page |") == 1
    assert "An analysis written by hand." in text


def test_the_case_page_issues_as_many_queries_with_no_notes_as_with_many():
    organisation = generate("tiny")
    assert organisation.busy_file.case_notes.count() >= 20
    assert not organisation.quiet_file.case_notes.exists()
    result = measure(organisation, repetitions=1, warmup=0)
    quiet, busy = result.case_page_queries
    assert quiet == busy


def test_generated_search_tokens_are_those_a_save_would_build():
    organisation = generate("tiny")
    participant = organisation.quiet_file
    generated = set(participant.search_tokens.values_list("digest", flat=True))
    participant.save()
    assert (
        set(SearchToken.objects.filter(participant=participant).values_list("digest", flat=True))
        == generated
    )


def test_the_command_writes_the_report(settings, tmp_path):
    settings.DEBUG = True
    report = tmp_path / "BENCHMARKS.md"
    call_command("bench", scale="tiny", repetitions=2, output=str(report), stdout=None)
    assert "Case page queries with no notes and with many" in report.read_text()


def test_the_command_refuses_to_run_without_debug(settings, tmp_path):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DJANGO_DEBUG"):
        call_command("bench", scale="tiny", output=str(tmp_path / "b.md"))


def test_the_command_refuses_a_database_holding_real_files(settings, eve_file, tmp_path):
    settings.DEBUG = True
    with pytest.raises(CommandError, match="did not generate"):
        call_command("bench", scale="tiny", reuse=True, output=str(tmp_path / "b.md"))


def test_the_command_refuses_to_generate_twice_without_reuse(settings, tmp_path):
    settings.DEBUG = True
    generate("tiny")
    with pytest.raises(CommandError, match="--reuse"):
        call_command("bench", scale="tiny", output=str(tmp_path / "b.md"))


def test_only_a_database_named_bench_is_ever_recreated():
    # the test database is named test*: it must be refused, untouched
    with pytest.raises(NotABenchmarkDatabase):
        database_recreate()
