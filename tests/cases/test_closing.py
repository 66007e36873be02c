"""Closing her file with a reason and a date, and reopening it."""

from datetime import date, timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from cases.models import Participant
from cases.services import FileAlreadyClosed, participant_close, participant_reopen
from safespace.models import AuditEntry

pytestmark = pytest.mark.django_db


@pytest.fixture
def alice(alice_socialworker):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(alice_socialworker)
    return client


def close(client, participant, **data):
    return client.post(reverse("participant_close", args=[participant.pk]), data)


def page(client, participant):
    return client.get(reverse("participant_detail", args=[participant.pk])).content.decode()


def test_her_key_worker_closes_and_reopens_her_file(alice, alice_socialworker, eve_file):
    today = timezone.localdate().isoformat()
    response = close(alice, eve_file, closing_reason="moved", closed_on=today)
    assert response.status_code == 302
    closed = Participant.objects.get(pk=eve_file.pk)
    assert (closed.closed_on.isoformat(), closed.closing_reason) == (today, "moved")
    assert closed.version == eve_file.version + 1
    html = page(alice, eve_file)
    assert "Her file was closed on" in html and "She moved away" in html
    assert "Reopen her file" in html
    entry = AuditEntry.objects.get(action="participant.closed")
    assert (entry.actor, entry.participant_id, entry.payload) == (
        alice_socialworker,
        eve_file.pk,
        {"status": "moved"},
    )

    response = alice.post(reverse("participant_reopen", args=[eve_file.pk]))
    assert response.status_code == 302
    reopened = Participant.objects.get(pk=eve_file.pk)
    assert reopened.closed_on is None and reopened.closing_reason == ""
    assert reopened.version == eve_file.version + 2
    assert AuditEntry.objects.get(action="participant.reopened").payload == {"status": "open"}
    assert "Her file was closed on" not in page(alice, eve_file)


@pytest.mark.parametrize(
    ("closed_on", "error"),
    [
        ((timezone.localdate() + timedelta(days=1)).isoformat(), "This date is in the future."),
        ("2001-01-01", "Her file was opened after this date."),
        ("not a date", "Enter a valid date."),
        ("", "This field is required."),
    ],
)
def test_a_bad_closing_date_is_refused_next_to_the_field(alice, eve_file, closed_on, error):
    response = close(alice, eve_file, closing_reason="her_choice", closed_on=closed_on)
    assert response.status_code == 200
    assert error in response.content.decode()
    assert Participant.objects.get(pk=eve_file.pk).closed_on is None
    assert not AuditEntry.objects.filter(action="participant.closed").exists()


def test_merged_is_not_a_reason_one_picks(alice, eve_file):
    response = close(alice, eve_file, closing_reason="merged", closed_on="2026-01-01")
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()


def test_a_peer_worker_sees_the_banner_but_cannot_reopen(
    alice_socialworker, bea_peerworker, eve_file
):
    participant_close(
        actor=alice_socialworker,
        participant=eve_file,
        reason="contact_lost",
        closed_on=timezone.localdate(),
    )
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(bea_peerworker)
    html = page(client, eve_file)
    assert "Contact lost" in html
    assert "Reopen her file" not in html
    assert client.post(reverse("participant_reopen", args=[eve_file.pk])).status_code == 403
    assert (
        close(client, eve_file, closing_reason="moved", closed_on="2026-01-01").status_code == 403
    )


def test_a_worker_outside_her_scope_gets_404(dana_coordinator, eve_file):
    client = Client()
    client.force_login(dana_coordinator)
    assert close(client, eve_file, closing_reason="moved", closed_on="2026-01-01").status_code == (
        404
    )
    assert client.post(reverse("participant_reopen", args=[eve_file.pk])).status_code == 404


def test_closing_twice_or_reopening_an_open_file_is_refused(alice_socialworker, eve_file):
    with pytest.raises(FileAlreadyClosed):
        participant_reopen(actor=alice_socialworker, participant=eve_file)
    participant_close(
        actor=alice_socialworker, participant=eve_file, reason="other", closed_on=date.today()
    )
    with pytest.raises(FileAlreadyClosed):
        participant_close(
            actor=alice_socialworker, participant=eve_file, reason="moved", closed_on=date.today()
        )
    assert AuditEntry.objects.filter(action="participant.closed").count() == 1


def test_the_close_form_is_on_her_file_for_her_key_worker(alice, eve_file):
    html = page(alice, eve_file)
    assert "Close her file" in html
    assert reverse("participant_close", args=[eve_file.pk]) in html
