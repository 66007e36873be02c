"""The partner directory: read by those who refer, kept by coordinators, never forgotten."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cases.models import Partner, Referral
from cases.services import consent_record, partner_create, referral_create
from safespace.models import AuditEntry

pytestmark = pytest.mark.django_db


def client_for(user):
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def dana(dana_coordinator):
    return client_for(dana_coordinator)


def post(client, url, data):
    return client.post(url, data, HTTP_ACCEPT_LANGUAGE="en")


def test_a_coordinator_adds_a_partner_and_it_is_audited(dana, dana_coordinator):
    response = post(
        dana,
        reverse("partner_new"),
        {"name": "  Clinique   des Lilas ", "kind": "health", "contact": "01 23 45 67 89"},
    )
    assert response.status_code == 302
    partner = Partner.objects.get()
    assert (partner.name, partner.kind, partner.active) == ("Clinique des Lilas", "health", True)
    entry = AuditEntry.objects.get(action="partner.created")
    assert entry.payload == {"kind": "health"}
    assert entry.actor_id == dana_coordinator.pk
    assert entry.participant_id is None
    html = dana.get(reverse("partner_list"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Clinique des Lilas" in html


def test_a_coordinator_deactivates_a_partner_who_stays_in_her_history(
    dana, dana_coordinator, alice_socialworker, eve_file
):
    partner = partner_create(actor=dana_coordinator, data={"name": "Foyer Aube", "kind": "housing"})
    consent_record(
        actor=alice_socialworker,
        participant=eve_file,
        purpose="share_partner",
        partner=partner,
        method="oral",
        given_on=eve_file.opened_on,
    )
    referral_create(actor=alice_socialworker, participant=eve_file, partner=partner)
    response = post(
        dana,
        reverse("partner_edit", args=[partner.pk]),
        {"name": "Foyer Aube", "kind": "housing", "contact": ""},  # "active" unticked
    )
    assert response.status_code == 302
    partner.refresh_from_db()
    assert partner.active is False
    entry = AuditEntry.objects.get(action="partner.updated")
    assert entry.payload == {"fields": ["active"], "status": "inactive"}
    assert Referral.objects.filter(partner=partner).exists()
    alice = client_for(alice_socialworker)
    html = alice.get(
        reverse("participant_detail", args=[eve_file.pk]), HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    assert "Foyer Aube" in html
    assert "no longer a partner" in html
    listing = alice.get(reverse("partner_list"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "No longer a partner" in listing


def test_saving_without_a_change_records_nothing(dana, dana_coordinator):
    partner = partner_create(actor=dana_coordinator, data={"name": "Foyer Aube", "kind": "housing"})
    post(
        dana,
        reverse("partner_edit", args=[partner.pk]),
        {"name": "Foyer Aube", "kind": "housing", "contact": "", "active": "on"},
    )
    assert not AuditEntry.objects.filter(action="partner.updated").exists()


def test_social_and_peer_workers_read_the_directory_but_do_not_change_it(
    dana_coordinator, alice_socialworker, bea_peerworker
):
    partner = partner_create(actor=dana_coordinator, data={"name": "Foyer Aube", "kind": "housing"})
    for user in (alice_socialworker, bea_peerworker):
        client = client_for(user)
        html = client.get(reverse("partner_list"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
        assert "Foyer Aube" in html
        assert 'aria-current="page">Partners</a>' in html  # in the main menu
        assert reverse("partner_new") not in html
        assert reverse("partner_edit", args=[partner.pk]) not in html
        data = {"name": "Renamed", "kind": "other"}
        assert client.post(reverse("partner_new"), data).status_code == 403
        assert client.post(reverse("partner_edit", args=[partner.pk]), data).status_code == 403
    partner.refresh_from_db()
    assert partner.name == "Foyer Aube"
    assert Partner.objects.count() == 1


def test_volunteers_and_participants_never_see_the_directory(
    dana_coordinator, chloe_volunteer, eve_participant
):
    partner_create(actor=dana_coordinator, data={"name": "Foyer Aube", "kind": "housing"})
    for user in (chloe_volunteer, eve_participant):
        client = client_for(user)
        response = client.get(reverse("partner_list"))
        assert response.status_code == 403
        assert "Foyer Aube" not in response.content.decode()
        assert reverse("partner_list") not in client.get(reverse("home")).content.decode()


@pytest.mark.parametrize(
    ("data", "field_error"),
    [
        ({"name": "", "kind": "health"}, "This field is required."),
        ({"name": "Foyer Aube", "kind": "brothel"}, "Select a valid choice"),
        ({"name": "x" * 300, "kind": "health"}, "at most 200 characters"),
        ({"name": "Ok", "kind": "health", "contact": "x" * 10_000_000}, "at most 2000 characters"),
        ({"name": "foyer aube", "kind": "housing"}, None),  # different case: allowed
        ({"name": "Foyer Aube", "kind": "housing"}, "already exists"),
    ],
)
def test_bad_input_gives_field_errors(dana, dana_coordinator, data, field_error):
    partner_create(actor=dana_coordinator, data={"name": "Foyer Aube", "kind": "housing"})
    response = post(dana, reverse("partner_new"), data)
    if field_error is None:
        assert response.status_code == 302
        return
    assert response.status_code == 200
    assert field_error in response.content.decode()
    assert Partner.objects.count() == 1


def test_script_tags_rtl_and_emoji_are_kept_and_escaped(dana):
    name = 'مرحبا 🌷 <script>alert("x")</script>'
    post(dana, reverse("partner_new"), {"name": name, "kind": "other", "contact": name})
    assert Partner.objects.get().name == name
    html = dana.get(reverse("partner_list"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "مرحبا 🌷" in html
    assert "<script>alert" not in html
    assert "&lt;script&gt;" in html


def test_the_directory_costs_the_same_queries_for_few_or_many(
    dana, dana_coordinator, django_assert_num_queries
):
    partner_create(actor=dana_coordinator, data={"name": "Partner 00", "kind": "other"})
    dana.get(reverse("partner_list"))
    with CaptureQueriesContext(connection) as few:
        dana.get(reverse("partner_list"))
    for n in range(1, 80):
        Partner.objects.create(name=f"Partner {n:02d}", kind="other", active=n % 3 != 0)
    with django_assert_num_queries(len(few.captured_queries)):
        html = dana.get(reverse("partner_list"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Page 1 of 2" in html
