"""Coordinators browse the audit trail; for one file it says who opened it and when."""

import pytest
from django.test import Client
from django.urls import reverse

from cases.models import Participant
from safespace.audit import audit_record
from safespace.roles import Role
from tests.conftest import PLANTED
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def dana(dana_coordinator):
    client = Client()
    client.force_login(dana_coordinator)
    return client


def audit_page(client, **filters):
    return client.get(reverse("audit_list"), filters, HTTP_ACCEPT_LANGUAGE="en").content.decode()


def test_for_one_file_it_lists_who_opened_it(dana, alice_socialworker, bea_peerworker, eve_file):
    for reader in (alice_socialworker, bea_peerworker):
        reader_client = Client()
        reader_client.force_login(reader)
        reader_client.get(reverse("participant_detail", args=[eve_file.pk]))
    other = Participant.objects.create(reference="SS-2026-0007", known_as="Lune")
    audit_record(action="participant.viewed", actor=alice_socialworker, participant_id=other.pk)

    html = audit_page(dana, participant="ss-2026-0042")
    assert html.count("<td>Opened a file</td>") == 2
    assert "alice_socialworker" in html and "bea_peerworker" in html
    assert "SS-2026-0007" not in html


def test_it_never_shows_what_a_file_contains(dana, alice_socialworker, eve_file):
    Client().force_login(alice_socialworker)
    html = audit_page(dana)
    for value in PLANTED.values():
        assert value not in html


def test_filters_by_person_and_by_action(dana, alice_socialworker, bea_peerworker):
    audit_record(action="auth.login", actor=alice_socialworker)
    audit_record(action="auth.login_failed", actor=bea_peerworker)
    html = audit_page(dana, user="alice_socialworker")
    assert "<td>Signed in</td>" in html and "<td>Failed sign-in</td>" not in html
    html = audit_page(dana, action="auth.login_failed")
    assert "bea_peerworker" in html and "alice_socialworker" not in html


def test_an_impossible_date_range_is_explained_next_to_the_field(dana):
    html = audit_page(dana, since="2026-05-01", until="2026-04-01")
    assert "This date is before the start date." in html


def test_an_unknown_file_reference_is_said_plainly(dana):
    assert "No file has this reference." in audit_page(dana, participant="SS-0000-0000")


def test_the_audit_page_costs_the_same_queries_for_few_or_many_entries(
    dana, eve_file, django_assert_num_queries
):
    dana.get(reverse("audit_list"))  # first request records the session
    users = [UserFactory(username=f"w{n}", role=Role.SOCIAL_WORKER) for n in range(3)]
    for user in users:
        audit_record(action="participant.viewed", actor=user, participant_id=eve_file.pk)
    with django_assert_num_queries(7) as few:
        dana.get(reverse("audit_list"))
    for n in range(60):
        audit_record(action="participant.viewed", actor=users[n % 3], participant_id=eve_file.pk)
    with django_assert_num_queries(len(few.captured_queries)):
        dana.get(reverse("audit_list"))
