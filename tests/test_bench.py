"""The benchmark harness runs (at a tiny scale): it must not rot. Never asserts timings."""

import importlib
import re

import pytest
from django.core.management import CommandError, call_command

from benchmarks import generate, measure, report_write
from benchmarks.database import NotABenchmarkDatabase, database_recreate
from benchmarks.measure import report_figures_queries, report_period
from cases.models import CaseNote, Participant, SearchToken
from dropin.models import ServiceGiven
from lifeplans.models import Goal, GoalChange
from shelters.models import BedNight, Stay

pytestmark = pytest.mark.django_db


def test_the_harness_generates_measures_and_writes_its_table(tmp_path):
    organisation = generate("tiny")
    assert organisation.counts["participants"] == 30
    result = measure(organisation, repetitions=3, warmup=1, report=False)

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
    assert {row.key for row in result.rows} >= {
        "floor", "home:caseload", "home:caseload:plain", "desk:find", "desk:log", "desk:today",
        "houses:tonight", "house:board", "portal:home", "case:quiet", "case:busy",
    }  # fmt: skip
    for line in (
        "Every page within 3× of the floor:",
        "Every page under 100 ms median:",
        "Encryption overhead on her caseload list under 1.3×:",
    ):
        assert line in text

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
    result = measure(organisation, repetitions=1, warmup=0, report=False)
    quiet, busy = result.case_page_queries
    assert quiet == busy


def test_the_report_figures_take_as_many_queries_for_the_organisation_as_for_one_file(
    alice_socialworker,
):
    """Nothing in the figures is asked once per person: the tiny organisation takes as many
    queries as a database holding one file (supported once in the year) and one house with
    one bed (without any house, the housing queries have nothing to ask and are skipped)."""
    from shelters.models import Bed, Room, Shelter

    start, end = report_period()
    alone = Participant.objects.create(reference="ALONE-1", known_as="Alone", opened_on=start)
    CaseNote.objects.create(participant=alone, author=alice_socialworker, text="Met.",
                            happened_on=start, kind=CaseNote.Kind.values[0])  # fmt: skip
    house = Shelter.objects.create(name="One house", kind=Shelter.Kind.EMERGENCY, address="-")
    Bed.objects.create(room=Room.objects.create(shelter=house, name="Room"), label="Bed")
    one_file = report_figures_queries(start, end)

    generate("tiny")
    assert report_figures_queries(start, end) == one_file


def test_the_tiny_organisation_has_a_year_of_what_the_report_counts():
    generate("tiny")
    start, end = report_period()
    assert BedNight.objects.filter(night__range=(start, end)).exists()
    assert Goal.objects.filter(agreed_on__range=(start, end)).exists()
    assert GoalChange.objects.filter(status_after="achieved").exists()
    assert ServiceGiven.objects.filter(given_on__range=(start, end)).exists()
    # each stay owns one bed-night per night it covers (up to its planned end when going on)
    for stay in Stay.objects.all():
        last = stay.ended_on or stay.expected_end_on
        nights = stay.nights.order_by("night").values_list("night", flat=True)
        assert nights[0] == stay.starts_on
        if last is not None:
            assert len(nights) == (last - stay.starts_on).days


def test_generated_search_tokens_are_those_a_save_would_build():
    organisation = generate("tiny")
    participant = organisation.quiet_file
    generated = set(participant.search_tokens.values_list("digest", flat=True))
    participant.save()
    assert (
        set(SearchToken.objects.filter(participant=participant).values_list("digest", flat=True))
        == generated
    )


def test_the_command_writes_the_report(settings, tmp_path, monkeypatch):
    settings.DEBUG = True
    # one PDF of each kind after the warm-up: a PDF takes seconds
    # (benchmarks.measure the module, which the package's measure function hides)
    monkeypatch.setattr(importlib.import_module("benchmarks.measure"), "REPORT_PDF_REPETITIONS", 1)
    report = tmp_path / "BENCHMARKS.md"
    call_command("bench", scale="tiny", repetitions=2, output=str(report), stdout=None)
    text = report.read_text()
    assert "Case page queries with no notes and with many" in text
    for what in (
        "Report: figures",
        "Report: PDF (figures, suppression, PDF)",
        "Floor: WeasyPrint alone on the same HTML",
    ):
        assert f"| {what} |" in text
    assert "Report figures in a constant number of queries" in text
    assert "Whole PDF under 10 s:" in text
    assert "of WeasyPrint alone on the same HTML:" in text


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


def test_her_caseload_reads_the_same_with_decryption_bypassed(alice_socialworker):
    """The encryption-overhead row compares the same page: only the cost of Fernet differs."""
    from benchmarks.measure import _client, decryption_bypassed

    organisation = generate("tiny")
    client = _client(organisation.typical_worker)
    served = client.get("/").content
    with decryption_bypassed():
        client.get("/")  # the first reading decrypts and remembers
        bypassed = client.get("/").content
    strip = re.compile(rb'name="csrfmiddlewaretoken" value="[^"]*"|nonce="[^"]*"')
    assert strip.sub(b"", served) == strip.sub(b"", bypassed)
    assert organisation.quiet_file.known_as.encode() in served


def test_the_queries_of_a_smaller_organisation_are_compared_row_by_row(tmp_path):
    from benchmarks.measure import section

    result = measure(generate("tiny"), repetitions=1, warmup=0, report=False)
    result.smaller_scale, result.smaller_participants = "tiny", 30
    result.smaller_queries = result.queries_by_key()
    assert "Query counts equal at both scales: met" in section(result)

    result.smaller_queries["case:busy"] -= 1
    text = section(result)
    assert "Query counts equal at both scales: **missed** (1 rows)" in text
    assert "| **no** |" in text


def test_the_command_takes_the_queries_of_every_row_and_of_the_report_figures():
    from safespace.management.commands.bench import Command

    participants, counts = Command()._queries_of(generate("tiny"))
    assert participants == 30
    assert counts["report:figures"] > 0
    assert counts["floor"] > 0 and counts["portal:home"] > 0


def test_a_page_can_be_profiled_signed_in_as_a_generated_worker(settings):
    from io import StringIO

    settings.DEBUG = True
    organisation = generate("tiny")
    out = StringIO()
    call_command("bench_profile", f"/people/{organisation.busy_file.pk}/", requests=2, stdout=out)
    assert "ms a request unprofiled (2 requests)" in out.getvalue()
    assert "participant_detail" in out.getvalue()
    with pytest.raises(CommandError, match="generated user"):
        call_command("bench_profile", "/", username="alice", requests=1, stdout=out)
