"""The report pages and services: asking, building, freezing, downloading, expiring."""

import csv
import io
import logging
import subprocess
from datetime import date, timedelta

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from cases.models import Participant
from reports.models import Report, ReportFile
from reports.services import report_build, report_files_expire, report_request
from safespace.crypto import decrypt_bytes
from safespace.models import AuditEntry
from tests.conftest import sign_in

YEAR = timezone.localdate().year - 1


def _client(user):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def _build(report):
    return report_build(report.pk, today=date(YEAR + 1, 1, 15))


def _year_report(dana, **kwargs):
    return report_request(
        actor=dana, start=date(YEAR, 1, 1), end=date(YEAR, 12, 31), language="en", **kwargs
    )


def _people_with_a_visit(count, *, dana, day):
    """``count`` files with a drop-in visit on ``day``: people supported that year."""
    from dropin.models import OpeningSession, Site, Visit

    site, _ = Site.objects.get_or_create(name="Centre")
    session, _ = OpeningSession.objects.get_or_create(
        site=site,
        date=day,
        opens_at="10:00",
        defaults={"closes_at": "16:00", "opened_by": dana},
    )
    first = Participant.objects.count()
    for number in range(first, first + count):
        participant = Participant.objects.create(
            reference=f"T-{number:04}", known_as=f"Visitor {number}", opened_on=day
        )
        Visit.objects.create(session=session, participant=participant, logged_by=dana)
    return session


def _people_supported(report):
    return report.document and next(
        row["cells"][0]
        for section in report.document["sections"]
        for table in section["tables"]
        if table["key"] == "people.overview"
        for row in table["rows"]
        if row["key"] == "total"
    )


@pytest.mark.django_db
def test_a_coordinator_asks_for_the_report_of_a_year_and_it_is_built_after_the_request(
    dana_coordinator, django_capture_on_commit_callbacks
):
    _people_with_a_visit(7, dana=dana_coordinator, day=date(YEAR, 3, 2))
    client = _client(dana_coordinator)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("report_list"), {"year": YEAR, "language": "en"})
    report = Report.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("report_detail", args=[report.pk])
    assert (report.start, report.end, report.site) == (date(YEAR, 1, 1), date(YEAR, 12, 31), None)
    assert report.status == Report.Status.READY and report.progress == 100
    assert set(report.files.values_list("kind", flat=True)) == {"pdf", "csv", "xlsx"}
    assert _people_supported(report) == 7
    page = client.get(reverse("report_detail", args=[report.pk])).content.decode()
    assert (
        "People supported" in page and reverse("report_download", args=[report.pk, "pdf"]) in page
    )
    entry = AuditEntry.objects.get(action="report.requested")
    assert entry.actor == dana_coordinator and entry.target_id == str(report.pk)
    assert entry.payload == {"via": "screen", "kind": "organisation"}


@pytest.mark.django_db
def test_a_report_keeps_its_numbers_when_the_data_is_corrected_and_a_new_version_counts_again(
    dana_coordinator,
):
    _people_with_a_visit(6, dana=dana_coordinator, day=date(YEAR, 3, 2))
    first = _build(_year_report(dana_coordinator))
    assert _people_supported(first) == 6
    _people_with_a_visit(3, dana=dana_coordinator, day=date(YEAR, 5, 4))  # recorded late
    first.refresh_from_db()
    assert _people_supported(first) == 6
    second = _build(_year_report(dana_coordinator))
    assert (first.version, second.version) == (1, 2)
    assert _people_supported(second) == 9


@pytest.mark.django_db
def test_regenerating_from_the_page_makes_a_new_version_with_small_numbers_hidden(
    dana_coordinator,
):
    first = _year_report(dana_coordinator, suppressed=False, reason="Internal board review")
    response = _client(dana_coordinator).post(reverse("report_regenerate", args=[first.pk]))
    second = Report.objects.exclude(pk=first.pk).get()
    assert response["Location"] == reverse("report_detail", args=[second.pk])
    assert second.version == 2 and second.suppressed and second.unsuppressed_reason == ""


@pytest.mark.django_db
def test_small_numbers_are_hidden_in_every_output_by_default(dana_coordinator):
    _people_with_a_visit(3, dana=dana_coordinator, day=date(YEAR, 3, 2))
    report = _build(_year_report(dana_coordinator))
    assert _people_supported(report) == "suppressed"
    text = decrypt_bytes(report.files.get(kind="csv").token).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert any("< 5" in row for row in rows)
    assert not any(row[-1] == "3" for row in rows if row and "People supported" in row)


@pytest.mark.django_db
def test_showing_small_numbers_asks_for_a_reason_next_to_the_field_and_keeps_what_was_typed(
    dana_coordinator,
):
    response = _client(dana_coordinator).post(
        reverse("report_list"),
        {"year": YEAR, "language": "en", "show_small_numbers": "on", "reason": "  "},
    )
    assert response.status_code == 200
    assert "Say why small numbers must be shown." in response.content.decode()
    assert response.context["form"].errors == {"reason": ["Say why small numbers must be shown."]}
    assert "checked" in response.content.decode()
    assert not Report.objects.exists()


@pytest.mark.django_db
def test_showing_small_numbers_is_recorded_without_its_reason_which_is_kept_encrypted(
    dana_coordinator,
):
    from django.db import connection

    _people_with_a_visit(3, dana=dana_coordinator, day=date(YEAR, 3, 2))
    reason = "Board review of the Lyon pilot"
    response = _client(dana_coordinator).post(
        reverse("report_list"),
        {"year": YEAR, "language": "en", "show_small_numbers": "on", "reason": reason},
    )
    report = Report.objects.get()
    assert response.status_code == 302
    assert not report.suppressed and report.unsuppressed_reason == reason
    assert AuditEntry.objects.filter(action="report.suppression_off", target_id=str(report.pk))
    assert not any(reason in str(e.payload) for e in AuditEntry.objects.all())
    with connection.cursor() as cursor:
        cursor.execute("SELECT unsuppressed_reason FROM reports_report")
        (raw,) = cursor.fetchone()
    assert reason not in str(raw)
    report = _build(report)
    assert _people_supported(report) == 3


@pytest.mark.django_db
def test_the_period_can_be_any_dates_and_bad_dates_are_told_next_to_the_field(dana_coordinator):
    client = _client(dana_coordinator)
    response = client.post(
        reverse("report_list"),
        {"start": f"{YEAR}-06-30", "end": f"{YEAR}-06-01", "language": "fr"},
    )
    assert response.context["form"].errors == {"end": ["This date is before the start date."]}
    assert f'value="{YEAR}-06-30"' in response.content.decode()
    response = client.post(
        reverse("report_list"), {"start": "31/02/2026", "end": "", "language": "en"}
    )
    assert set(response.context["form"].errors) == {"start", "end"}
    response = client.post(
        reverse("report_list"),
        {"start": f"{YEAR}-04-01", "end": f"{YEAR}-06-30", "language": "fr"},
    )
    report = Report.objects.get()
    assert (report.start, report.end, report.language) == (
        date(YEAR, 4, 1),
        date(YEAR, 6, 30),
        "fr",
    )


@pytest.mark.django_db
def test_the_page_shows_progress_while_the_report_is_prepared_and_refreshes_when_it_is_ready(
    dana_coordinator,
):
    report = _year_report(dana_coordinator)
    client = _client(dana_coordinator)
    page = client.get(reverse("report_detail", args=[report.pk])).content.decode()
    assert "<progress" in page and 'hx-trigger="every 1s"' in page
    fragment = client.get(
        reverse("report_detail", args=[report.pk]), {"progress": 1}, HTTP_HX_REQUEST="true"
    )
    assert "<progress" in fragment.content.decode()
    assert "<html" not in fragment.content.decode()
    _build(report)
    done = client.get(
        reverse("report_detail", args=[report.pk]), {"progress": 1}, HTTP_HX_REQUEST="true"
    )
    assert done["HX-Refresh"] == "true"


@pytest.mark.django_db
def test_a_download_asks_for_the_password_again_then_is_recorded(dana_coordinator, password):
    report = _build(_year_report(dana_coordinator))
    url = reverse("report_download", args=[report.pk, "pdf"])
    stale = _client(dana_coordinator).get(url)
    assert stale.status_code == 302 and "reauthenticate" in stale["Location"]
    assert not AuditEntry.objects.filter(action="report.downloaded").exists()

    client = Client()
    sign_in(client, dana_coordinator, password)
    client.post(reverse("account_reauthenticate"), {"password": password})
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]
    assert response.content.startswith(b"%PDF")
    assert f"v{report.version}.pdf" in response["Content-Disposition"]
    entry = AuditEntry.objects.get(action="report.downloaded")
    assert entry.actor == dana_coordinator and entry.payload == {"format": "pdf"}
    assert client.get(reverse("report_download", args=[report.pk, "docx"])).status_code == 404


@pytest.mark.django_db
def test_other_roles_cannot_reach_a_report_or_its_files(cast, password):
    from safespace.roles import Role

    report = _build(_year_report(cast[Role.COORDINATOR]))
    for role in (Role.SOCIAL_WORKER, Role.PEER_WORKER, Role.VOLUNTEER, Role.PARTICIPANT):
        client = Client()
        sign_in(client, cast[role], password)
        for url in (
            reverse("report_list"),
            reverse("report_detail", args=[report.pk]),
            reverse("report_download", args=[report.pk, "pdf"]),
        ):
            assert client.get(url).status_code == 403, (role, url)


@pytest.mark.django_db
def test_files_expire_after_thirty_days_and_the_frozen_figures_stay(dana_coordinator):
    report = _build(_year_report(dana_coordinator))
    assert report.files_expire_on == timezone.localdate() + timedelta(days=30)
    assert report_files_expire(today=report.files_expire_on) == 0
    assert report_files_expire(today=report.files_expire_on + timedelta(days=1)) == 3
    assert report_files_expire(today=report.files_expire_on + timedelta(days=1)) == 0
    report.refresh_from_db()
    assert report.document and not report.files.exists()
    page = _client(dana_coordinator).get(reverse("report_detail", args=[report.pk]))
    assert "no longer kept" in page.content.decode()
    assert "People supported" in page.content.decode()


@pytest.mark.django_db
def test_the_files_expire_task_is_scheduled_every_night():
    from django.conf import settings

    schedules = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert "reports.tasks.report_files_expire" in schedules


@pytest.mark.django_db
def test_a_build_that_fails_is_marked_failed_and_logs_no_message(
    dana_coordinator, monkeypatch, caplog
):
    import reports.figures

    def broken(**kwargs):
        raise ValueError("Marguerite Planted-Legalname")

    monkeypatch.setattr(reports.figures, "report_figures", broken)
    report = _year_report(dana_coordinator)
    with caplog.at_level(logging.ERROR):
        report = report_build(report.pk)
    assert report.status == Report.Status.FAILED
    assert "ValueError" in caplog.text and "Planted" not in caplog.text
    page = _client(dana_coordinator).get(reverse("report_detail", args=[report.pk]))
    assert "could not be prepared" in page.content.decode()


@pytest.mark.django_db
def test_the_task_takes_the_report_primary_key_only(dana_coordinator, monkeypatch):
    from reports import tasks

    sent = []
    monkeypatch.setattr(tasks.report_generate, "delay", lambda *a, **k: sent.append((a, k)))
    from django.test import TestCase

    with TestCase.captureOnCommitCallbacks(execute=True):
        report = _year_report(dana_coordinator)
    assert sent == [((report.pk,), {})]


@pytest.mark.django_db
def test_the_list_of_reports_takes_the_same_queries_for_one_or_many(
    dana_coordinator, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = _client(dana_coordinator)
    _year_report(dana_coordinator)
    with CaptureQueriesContext(connection) as one:
        client.get(reverse("report_list"))
    for _ in range(8):
        _year_report(dana_coordinator)
    with CaptureQueriesContext(connection) as many:
        client.get(reverse("report_list"))
    assert len(one) == len(many)


@pytest.mark.django_db
def test_the_command_writes_the_report_of_a_year(dana_coordinator, tmp_path):
    _people_with_a_visit(6, dana=dana_coordinator, day=date(YEAR, 3, 2))
    output = tmp_path / "report.pdf"
    call_command("annual_report", "--year", str(YEAR), "--output", str(output), "--lang", "fr")
    assert output.read_bytes().startswith(b"%PDF")
    report = Report.objects.get()
    assert report.language == "fr" and report.requested_by is None and report.suppressed
    text = subprocess.run(
        ["pdftotext", str(output), "-"], capture_output=True, check=True, text=True
    ).stdout
    assert str(YEAR) in text
    assert AuditEntry.objects.get(action="report.requested").payload["via"] == "command"
    csv_output = tmp_path / "report.csv"
    call_command("annual_report", "--year", str(YEAR), "--output", str(csv_output))
    assert Report.objects.count() == 2 and csv_output.read_bytes()


@pytest.mark.django_db
def test_the_command_refuses_unknown_sites_formats_and_periods(tmp_path):
    with pytest.raises(CommandError, match="site"):
        call_command("annual_report", "--year", "2025", "--output", "r.pdf", "--site", "Nowhere")
    with pytest.raises(CommandError, match=".pdf"):
        call_command("annual_report", "--year", "2025", "--output", str(tmp_path / "r.docx"))
    with pytest.raises(CommandError, match="--year"):
        call_command("annual_report", "--output", str(tmp_path / "r.pdf"))
    with pytest.raises(CommandError, match="before"):
        call_command(
            "annual_report",
            "--start",
            "2025-05-01",
            "--end",
            "2025-04-01",
            "--output",
            str(tmp_path / "r.pdf"),
        )
    assert not Report.objects.exists()


@pytest.mark.django_db
def test_a_site_report_is_for_that_site(dana_coordinator):
    from dropin.models import Site

    session = _people_with_a_visit(6, dana=dana_coordinator, day=date(YEAR, 3, 2))
    other = Site.objects.create(name="Annexe")
    report = _build(_year_report(dana_coordinator, site=other))
    assert _people_supported(report) == 0
    report = _build(_year_report(dana_coordinator, site=session.site))
    assert _people_supported(report) == 6
    assert report.document["site"] == "Centre"
    assert AuditEntry.objects.filter(action="report.requested").last().payload["kind"] == "site"
    keys = [section["key"] for section in report.document["sections"]]
    assert "housing" not in keys and "outreach" not in keys
    assert ReportFile.objects.filter(report=report).count() == 3


@pytest.mark.django_db(transaction=True)
def test_three_coordinators_asking_for_the_same_year_at_once_get_three_versions(cast, monkeypatch):
    import threading

    from django.db import connections

    from reports import tasks
    from safespace.roles import Role

    # the versions are what is tested: no build (three eager builds in threads would race
    # on Celery's process-wide "join will block" flag)
    monkeypatch.setattr(tasks.report_generate, "delay", lambda *args, **kwargs: None)

    dana = cast[Role.COORDINATOR]
    barrier = threading.Barrier(3)
    outcomes = []

    def ask():
        try:
            barrier.wait()
            outcomes.append(_year_report(dana).version)
        except Exception as error:  # noqa: BLE001 - the outcome is what is tested
            outcomes.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=ask) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == [1, 2, 3], outcomes
    assert sorted(Report.objects.values_list("version", flat=True)) == [1, 2, 3]
    assert AuditEntry.objects.filter(action="report.requested").count() == 3
