"""Retention (issue 10): closed files anonymised after their period unless held, old
details removed, every night, idempotent and resumable, counts only in the log."""

import logging
from datetime import date, time, timedelta

import pytest
from django.utils import timezone

from cases.erasure import participant_anonymise
from cases.models import Participant
from cases.retention import (
    retention_apply,
    retention_upcoming,
    years_before,
)
from dropin.models import OpeningSession, OutreachRound, Site, Visit
from safespace.models import AuditEntry

pytestmark = pytest.mark.django_db

TODAY = date(2026, 12, 2)


def _file(reference, closed_on, **extra):
    opened = closed_on - timedelta(days=400) if closed_on else TODAY
    return Participant.objects.create(
        reference=reference, known_as=f"Name {reference}", opened_on=opened, closed_on=closed_on,
        **extra,
    )  # fmt: skip


@pytest.fixture
def files():
    return {
        "due": _file("RET-1", years_before(TODAY, 5) - timedelta(days=1)),
        "today": _file("RET-2", years_before(TODAY, 5)),
        "soon": _file("RET-3", years_before(TODAY, 5) + timedelta(days=10)),
        "recent": _file("RET-4", TODAY - timedelta(days=30)),
        "open": _file("RET-5", None),
        "held": _file("RET-6", date(2015, 1, 1), legal_hold=True, legal_hold_since=TODAY),
    }


def _anonymised(files):
    done = set(Participant.objects.filter(anonymised_at__isnull=False).values_list("pk", flat=True))
    return {name for name, p in files.items() if p.pk in done}


def test_closed_files_past_their_period_are_anonymised_and_held_ones_kept(files):
    applied = retention_apply(TODAY)
    assert _anonymised(files) == {"due", "today"}
    assert applied.files == 2 and applied.held == 1
    assert AuditEntry.objects.filter(action="participant.anonymised").count() == 2
    entry = AuditEntry.objects.filter(action="participant.anonymised").first()
    assert entry.actor is None and entry.payload["kind"] == "retention"


def test_a_second_run_finds_nothing_more_to_do(files):
    retention_apply(TODAY)
    again = retention_apply(TODAY)
    assert (again.files, again.anonymous_visits, again.outreach_notes) == (0, 0, 0)
    assert AuditEntry.objects.filter(action="participant.anonymised").count() == 2


def test_a_run_stopped_halfway_is_finished_by_the_next(files, monkeypatch):
    from cases import retention

    calls = []
    real = retention.participant_anonymise

    def crash_on_second(**kwargs):
        calls.append(kwargs["participant"].pk)
        if len(calls) == 2:
            raise RuntimeError("the worker was stopped")
        return real(**kwargs)

    monkeypatch.setattr(retention, "participant_anonymise", crash_on_second)
    with pytest.raises(RuntimeError):
        retention_apply(TODAY)
    assert len(_anonymised(files)) == 1  # the first one stays done
    monkeypatch.setattr(retention, "participant_anonymise", real)
    assert retention_apply(TODAY).files == 1
    assert _anonymised(files) == {"due", "today"}


def test_lifting_a_hold_lets_the_next_run_anonymise_the_file(files):
    retention_apply(TODAY)
    Participant.objects.filter(pk=files["held"].pk).update(legal_hold=False)
    retention_apply(TODAY)
    assert "held" in _anonymised(files)


@pytest.fixture
def old_activity(alice_socialworker):
    site = Site.objects.create(name="Centre")
    old = OpeningSession.objects.create(
        site=site, date=years_before(TODAY, 3) - timedelta(days=1), opens_at=time(14),
        closes_at=time(18), opened_by=alice_socialworker,
    )  # fmt: skip
    recent = OpeningSession.objects.create(
        site=site, date=TODAY - timedelta(days=5), opens_at=time(14), closes_at=time(18),
        opened_by=alice_socialworker,
    )  # fmt: skip
    for session in (old, recent):
        Visit.objects.create(
            session=session, nationality="RO", age_band="18_25", first_visit=True,
            visitor_code="c" * 64, logged_by=alice_socialworker,
        )  # fmt: skip
    rounds = [
        OutreachRound.objects.create(
            kind="street",
            date=day,
            area="North",
            notes="Met two women near the station",
            recorded_by=alice_socialworker,
        )  # fmt: skip
        for day in (years_before(TODAY, 1) - timedelta(days=2), TODAY - timedelta(days=2))
    ]
    return old, recent, rounds


def test_old_anonymous_visits_lose_their_details_but_still_count(old_activity):
    old, recent, _rounds = old_activity
    applied = retention_apply(TODAY)
    assert applied.anonymous_visits == 1
    stripped = Visit.objects.get(session=old)
    assert (stripped.nationality, stripped.age_band, stripped.visitor_code) == ("", "", "")
    assert stripped.first_visit is None
    kept = Visit.objects.get(session=recent)
    assert kept.age_band == "18_25" and kept.visitor_code
    assert Visit.objects.count() == 2


def test_old_outreach_rounds_lose_their_notes_once(old_activity):
    _old, _recent, (old_round, new_round) = old_activity
    assert retention_apply(TODAY).outreach_notes == 1
    assert OutreachRound.objects.get(pk=old_round.pk).notes == ""
    assert OutreachRound.objects.get(pk=new_round.pk).notes
    assert retention_apply(TODAY).outreach_notes == 0


def test_the_log_holds_counts_only(files, old_activity, caplog):
    with caplog.at_level(logging.INFO, logger="cases.retention"):
        retention_apply(TODAY)
    text = caplog.text
    assert "files anonymised 2" in text
    for secret in ("RET-1", "Name RET", "station", "North"):
        assert secret not in text


def test_the_coordinator_sees_the_next_30_days_before_they_happen(files, old_activity):
    upcoming = retention_upcoming(TODAY)
    listed = {row["reference"]: row for row in upcoming.files}
    assert set(listed) == {"RET-1", "RET-2", "RET-3"}
    assert listed["RET-1"]["overdue"] and not listed["RET-3"]["overdue"]
    assert listed["RET-3"]["due_on"] == files["soon"].closed_on.replace(year=TODAY.year)
    assert [row["reference"] for row in upcoming.held] == ["RET-6"]
    assert upcoming.anonymous_visits == 1
    assert not _anonymised(files)  # nothing happened yet


def test_the_upcoming_list_takes_the_same_queries_for_one_file_or_many(
    django_assert_num_queries, files
):
    with django_assert_num_queries(4):
        retention_upcoming(TODAY)
    for n in range(20):
        _file(f"RET-M{n}", years_before(TODAY, 5) - timedelta(days=n))
    with django_assert_num_queries(4):
        retention_upcoming(TODAY)


def test_an_anonymised_file_is_not_listed_again(files, dana_coordinator):
    participant_anonymise(actor=dana_coordinator, participant=files["soon"], reason="her_request")
    assert "RET-3" not in {row["reference"] for row in retention_upcoming(TODAY).files}


def test_the_nightly_task_is_scheduled_and_takes_no_arguments(settings):
    from cases.tasks import retention_apply as task

    entries = [e for e in settings.CELERY_BEAT_SCHEDULE.values() if e["task"] == task.name]
    assert entries and "args" not in entries[0]
    with timezone.override("Europe/Paris"):
        assert set(task.apply().get()) >= {"files", "anonymous_visits", "outreach_notes"}


def test_a_file_whose_consent_to_keeping_it_was_withdrawn_is_listed(files, alice_socialworker):
    from cases.models import Consent

    her = files["open"]
    Consent.objects.create(
        participant=her, purpose="keep_file", method="oral", given_on=date(2025, 1, 1),
        withdrawn_on=date(2026, 11, 1), withdrawn_by=alice_socialworker,
        recorded_by=alice_socialworker,
    )  # fmt: skip
    assert [f["reference"] for f in retention_upcoming(TODAY).consent_withdrawn] == ["RET-5"]
    Consent.objects.create(
        participant=her, purpose="keep_file", method="written", given_on=date(2026, 11, 20),
        recorded_by=alice_socialworker,
    )  # fmt: skip
    assert retention_upcoming(TODAY).consent_withdrawn == []
