"""Her exit pathway: dated statuses, added and never overwritten."""

from datetime import date

import pytest
from django.test import Client
from django.urls import reverse

from cases.models import PathwayEntry
from cases.services import pathway_record, pathway_status_on
from safespace.models import AuditEntry

pytestmark = pytest.mark.django_db


def test_statuses_are_added_and_the_history_is_kept(alice_socialworker, eve_file):
    client = Client()
    client.force_login(alice_socialworker)
    url = reverse("participant_pathway", args=[eve_file.pk])
    client.post(url, {"status": "starting_to_exit", "since": "2025-03-01"})
    client.post(url, {"status": "exited", "since": "2025-11-15"})
    client.post(url, {"status": "returned", "since": "2026-02-01"})
    assert list(eve_file.pathway_entries.values_list("status", flat=True)) == [
        "starting_to_exit",
        "exited",
        "returned",
    ]
    html = client.get(
        reverse("participant_detail", args=[eve_file.pk]), HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    assert html.index("Returned to prostitution") < html.index("Exited")  # newest first
    assert AuditEntry.objects.filter(action="pathway.recorded").count() == 3


def test_her_status_on_a_date_is_the_latest_that_had_started(alice_socialworker, eve_file):
    pathway_record(
        actor=alice_socialworker, participant=eve_file, status="on_the_path", since=date(2025, 1, 1)
    )
    pathway_record(
        actor=alice_socialworker, participant=eve_file, status="exited", since=date(2025, 9, 1)
    )
    assert pathway_status_on(eve_file, date(2024, 12, 31)) is None
    assert pathway_status_on(eve_file, date(2025, 6, 30)) == "on_the_path"
    assert pathway_status_on(eve_file, date(2025, 9, 1)) == "exited"


def test_a_future_date_is_refused_next_to_the_field(alice_socialworker, eve_file):
    client = Client()
    client.force_login(alice_socialworker)
    response = client.post(
        reverse("participant_pathway", args=[eve_file.pk]),
        {"status": "exited", "since": "2999-01-01"},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 200
    assert "This date is in the future." in response.content.decode()
    assert not PathwayEntry.objects.exists()


def test_a_peer_worker_is_told_the_pathway_is_not_for_her(
    bea_peerworker, alice_socialworker, eve_file
):
    pathway_record(
        actor=alice_socialworker, participant=eve_file, status="exited", since=date(2025, 9, 1)
    )
    client = Client()
    client.force_login(bea_peerworker)
    html = client.get(
        reverse("participant_detail", args=[eve_file.pk]), HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    assert "Her pathway is for her social workers only." in html
    assert "Exited" not in html
    response = client.post(
        reverse("participant_pathway", args=[eve_file.pk]),
        {"status": "exited", "since": "2025-01-01"},
    )
    assert response.status_code == 403
