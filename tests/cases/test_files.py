"""Opening her file, editing her details: few required fields, clear errors, no lost edits."""

import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from cases.models import Assignment, Participant
from cases.services import participant_open
from safespace.models import AuditEntry
from tests.conftest import PLANTED

pytestmark = pytest.mark.django_db


@pytest.fixture
def alice(alice_socialworker):
    client = Client()
    client.force_login(alice_socialworker)
    return client


def post(client, url, data):
    return client.post(url, data, HTTP_ACCEPT_LANGUAGE="en")


def edit_data(participant, **changes):
    """What the edit form posts back: her current details, with some changed."""
    data = {
        "known_as": participant.known_as,
        "legal_name": participant.legal_name,
        "phone": participant.phone,
        "notes": participant.notes,
        "version": participant.version,
    }
    data.update(changes)
    return data


def test_intake_needs_only_the_name_she_chooses(alice, alice_socialworker):
    response = post(alice, reverse("participant_new"), {"known_as": "Étoile"})
    participant = Participant.objects.get()
    assert response["Location"] == reverse("participant_detail", args=[participant.pk])
    year = timezone.localdate().year
    assert participant.reference == f"SS-{year}-0001"
    assert participant.assignments.get().worker == alice_socialworker
    assert participant.assignments.get().kind == Assignment.Kind.KEY_WORKER
    entry = AuditEntry.objects.get(action="participant.opened")
    assert entry.payload == {"fields": ["known_as"]}


def test_file_references_follow_each_other(alice_socialworker):
    first = participant_open(actor=alice_socialworker, data={"known_as": "A"})
    second = participant_open(actor=alice_socialworker, data={"known_as": "B"})
    assert int(second.reference[-4:]) == int(first.reference[-4:]) + 1


def test_intake_without_a_name_says_so_next_to_the_field(alice):
    response = post(alice, reverse("participant_new"), {"languages": "wolof"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "This field is required." in html
    assert 'value="wolof"' in html
    assert not Participant.objects.exists()


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("date_of_birth", "2999-01-01", "This date is in the future."),
        ("date_of_birth", "31/02/2001", "Enter a valid date."),
        ("birth_year", "1800", "greater than or equal to 1900"),
        ("phone", "call me maybe", "Only digits, spaces and + ( ) . -"),
        ("notes", "x" * 10_000_000, "at most 20000 characters"),
        ("email", "not an address", "Enter a valid email address."),
        ("children_count", "-2", "Cannot be negative."),
    ],
)
def test_bad_input_gets_a_clear_message_and_keeps_the_rest(alice, eve_file, field, value, message):
    url = reverse("participant_edit", args=[eve_file.pk])
    response = post(alice, url, edit_data(eve_file, languages="tigrinya", **{field: value}))
    html = response.content.decode()
    assert response.status_code == 200
    assert message in html
    assert "tigrinya" in html
    eve_file.refresh_from_db()
    assert eve_file.languages == ""


def test_her_words_are_kept_as_written_and_shown_safely(alice, eve_file):
    words = 'مرحبا 🌷 <script>alert("x")</script> "text only, never after 18:00"'
    url = reverse("participant_edit", args=[eve_file.pk])
    response = post(alice, url, edit_data(eve_file, safe_contact=words, notes=PLANTED["notes"]))
    assert response.status_code == 302
    eve_file.refresh_from_db()
    assert eve_file.safe_contact == words
    # contact details, safe-contact instructions among them, are shown when asked for
    html = alice.post(reverse("participant_reveal", args=[eve_file.pk, "safe_contact"]))
    html = html.content.decode()
    assert "<script>alert" not in html
    assert "&lt;script&gt;" in html
    assert "مرحبا 🌷" in html


def test_an_edit_records_which_fields_changed_never_their_values(alice, eve_file):
    url = reverse("participant_edit", args=[eve_file.pk])
    post(alice, url, edit_data(eve_file, languages="dari", notes=PLANTED["notes"]))
    entry = AuditEntry.objects.get(action="participant.updated")
    assert entry.payload == {"fields": ["languages"]}
    assert "dari" not in str(entry.payload)


def test_two_people_editing_at_once_cannot_overwrite_each_other(alice, dana_coordinator, eve_file):
    url = reverse("participant_edit", args=[eve_file.pk])
    stale_version = eve_file.version
    first = post(alice, url, edit_data(eve_file, languages="farsi", notes=PLANTED["notes"]))
    assert first.status_code == 302
    second = post(
        alice,
        url,
        {"known_as": "Soleil", "version": stale_version, "languages": "pashto", "notes": "mine"},
    )
    html = second.content.decode()
    assert "Someone else changed her file while you were editing." in html
    assert "pashto" in html  # what she typed is still there
    eve_file.refresh_from_db()
    assert eve_file.languages == "farsi"


def test_her_date_of_birth_gives_her_birth_year_and_flags_a_minor(alice, eve_file):
    born = timezone.localdate().replace(year=timezone.localdate().year - 15, day=1)
    url = reverse("participant_edit", args=[eve_file.pk])
    post(alice, url, edit_data(eve_file, date_of_birth=born.isoformat(), notes=PLANTED["notes"]))
    eve_file.refresh_from_db()
    assert eve_file.birth_year == born.year
    assert eve_file.is_minor
    page = alice.get(reverse("participant_detail", args=[eve_file.pk]), HTTP_ACCEPT_LANGUAGE="en")
    assert re.search(r"<strong>Minor</strong>", page.content.decode())


def test_a_peer_worker_cannot_edit_her_file(bea_peerworker, eve_file):
    client = Client()
    client.force_login(bea_peerworker)
    assert client.get(reverse("participant_edit", args=[eve_file.pk])).status_code == 403
    html = client.get(reverse("participant_detail", args=[eve_file.pk])).content.decode()
    assert reverse("participant_edit", args=[eve_file.pk]) not in html
