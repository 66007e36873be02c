"""Who can open her file, and what each reader sees of it."""

from datetime import timedelta

import pytest
import time_machine
from django.contrib.auth.models import Group, Permission
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from guardian.shortcuts import assign_perm

from cases.models import Assignment, BreakGlassGrant, Participant
from cases.services import assignment_end, break_glass_open
from safespace.crypto import DecryptionError
from safespace.models import AuditEntry
from safespace.roles import Role
from tests.conftest import PLANTED, sign_in
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
SENSITIVE = ("legal_name", "phone", "notes")


def file_page(user, participant):
    client = Client()
    client.force_login(user)
    return client.get(
        reverse("participant_detail", args=[participant.pk]), HTTP_ACCEPT_LANGUAGE="en"
    )


def test_her_key_worker_sees_her_whole_file_and_the_view_is_recorded(alice_socialworker, eve_file):
    html = file_page(alice_socialworker, eve_file).content.decode()
    for name, value in PLANTED.items():
        # contact details wait behind a "Show" button (test_contact_details_...)
        assert (value in html) == (name != "phone")
    entry = AuditEntry.objects.get(action="participant.viewed")
    assert entry.actor == alice_socialworker
    assert entry.participant_id == eve_file.pk
    assert entry.payload == {"section": "summary", "via": "assignment"}


def test_a_peer_worker_never_sees_legal_name_phone_or_notes(bea_peerworker, eve_file):
    response = file_page(bea_peerworker, eve_file)
    html = response.content.decode()
    assert response.status_code == 200
    assert PLANTED["known_as"] in html
    for field in SENSITIVE:
        assert PLANTED[field] not in html, field
    assert "Only her key worker can see contact details." in html


@pytest.mark.parametrize("role", [Role.SOCIAL_WORKER, Role.PEER_WORKER, Role.COORDINATOR])
def test_an_unassigned_worker_gets_not_found(role, eve_file):
    stranger = UserFactory(username=f"other_{role.value}", role=role)
    assert file_page(stranger, eve_file).status_code == 404


def test_a_volunteer_never_opens_a_file(chloe_volunteer, eve_file):
    response = file_page(chloe_volunteer, eve_file)
    assert response.status_code == 404
    for value in PLANTED.values():
        assert value not in response.content.decode()


def test_a_file_that_does_not_exist_looks_the_same_as_one_out_of_scope(
    alice_socialworker, eve_file
):
    stranger = UserFactory(username="other_sw", role=Role.SOCIAL_WORKER)
    missing = Client()
    missing.force_login(stranger)
    absent = missing.get(reverse("participant_detail", args=[999999]))
    hidden = file_page(stranger, eve_file)
    assert absent.status_code == hidden.status_code == 404


def test_ending_an_assignment_takes_effect_on_the_very_next_request(
    alice_socialworker, dana_coordinator, eve_file
):
    client = Client()
    client.force_login(alice_socialworker)
    url = reverse("participant_detail", args=[eve_file.pk])
    assert client.get(url).status_code == 200
    assignment = Assignment.objects.get(worker=alice_socialworker)
    assignment_end(actor=dana_coordinator, assignment=assignment)
    assert client.get(url).status_code == 404


def test_a_global_or_object_permission_never_widens_the_scope(eve_file):
    stranger = UserFactory(username="other_sw", role=Role.SOCIAL_WORKER)
    group = Group.objects.get(name=Role.SOCIAL_WORKER.value)
    group.permissions.add(Permission.objects.get(codename="view_participant"))
    assign_perm("cases.view_participant", group, eve_file)
    assign_perm("cases.view_participant", stranger, eve_file)
    assert stranger.has_perm("cases.view_participant", eve_file)  # guardian says yes...
    assert file_page(stranger, eve_file).status_code == 404  # ...the policy still says no
    assert not Participant.objects.visible_to(stranger).exists()


def test_names_and_notes_are_not_in_the_database_in_clear(eve_file):
    with connection.cursor() as cursor:
        cursor.execute("SELECT known_as, legal_name, phone, notes FROM cases_participant")
        row = " ".join(cursor.fetchone())
    for value in PLANTED.values():
        assert value not in row


def test_a_wrong_key_fails_loudly_instead_of_returning_ciphertext(eve_file, settings):
    from cryptography.fernet import Fernet

    settings.FIELD_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    with pytest.raises(DecryptionError) as error:
        Participant.objects.get(pk=eve_file.pk)
    assert PLANTED["legal_name"] not in str(error.value)


def test_a_rotated_key_list_still_reads_old_values(eve_file, settings):
    from cryptography.fernet import Fernet

    settings.FIELD_ENCRYPTION_KEYS = [
        Fernet.generate_key().decode(),
        *settings.FIELD_ENCRYPTION_KEYS,
    ]
    assert Participant.objects.get(pk=eve_file.pk).legal_name == PLANTED["legal_name"]


# --- break-glass -------------------------------------------------------------------------


def test_break_glass_asks_for_the_password_again(dana_coordinator, password, eve_file):
    client = Client()
    sign_in(client, dana_coordinator, password)
    client.post(reverse("account_reauthenticate"), {"password": password})
    response = client.post(
        reverse("break_glass"),
        {"reference": "ss-2026-0042", "reason": "She called the night line, in danger."},
    )
    assert response["Location"] == reverse("participant_detail", args=[eve_file.pk])
    assert client.get(response["Location"]).status_code == 200


def test_break_glass_without_a_fresh_password_goes_to_reauthentication(dana_coordinator, eve_file):
    client = Client()
    client.force_login(dana_coordinator)
    response = client.get(reverse("break_glass"))
    assert response["Location"].startswith(reverse("account_reauthenticate"))


def test_break_glass_access_ends_after_two_hours(dana_coordinator, eve_file):
    break_glass_open(user=dana_coordinator, participant=eve_file, reason="Urgent: safety call.")
    assert file_page(dana_coordinator, eve_file).status_code == 200
    with time_machine.travel(timezone.now() + timedelta(hours=2, minutes=1)):
        assert file_page(dana_coordinator, eve_file).status_code == 404


def test_break_glass_keeps_its_reason_encrypted_and_out_of_the_audit_trail(
    dana_coordinator, eve_file
):
    reason = "She phoned from the station, her pimp found her"
    grant = break_glass_open(user=dana_coordinator, participant=eve_file, reason=reason)
    with connection.cursor() as cursor:
        cursor.execute("SELECT reason FROM cases_breakglassgrant")
        assert reason not in cursor.fetchone()[0]
    entry = AuditEntry.objects.get(action="break_glass.opened")
    assert entry.payload == {"grant_id": grant.pk}
    assert "pimp" not in str(list(AuditEntry.objects.values()))


def test_coordinators_review_break_glass_openings(dana_coordinator, alice_socialworker, eve_file):
    other = Participant.objects.create(reference="SS-2026-0001", known_as="Lune")
    grant = break_glass_open(
        user=alice_socialworker, participant=other, reason="Night emergency, no key worker."
    )
    client = Client()
    client.force_login(dana_coordinator)
    page = client.get(reverse("break_glass_list")).content.decode()
    assert "Night emergency, no key worker." in page
    client.post(reverse("break_glass_mark_reviewed", args=[grant.pk]))
    grant.refresh_from_db()
    assert grant.reviewed_by == dana_coordinator
    assert "Night emergency" not in client.get(reverse("break_glass_list")).content.decode()


def test_a_volunteer_cannot_break_the_glass(chloe_volunteer, password, eve_file):
    client = Client()
    sign_in(client, chloe_volunteer, password)
    client.post(reverse("account_reauthenticate"), {"password": password})
    response = client.post(
        reverse("break_glass"), {"reference": "SS-2026-0042", "reason": "x" * 30}
    )
    assert response.status_code == 403
    assert not BreakGlassGrant.objects.exists()


def test_an_unknown_reference_is_explained_next_to_the_field(dana_coordinator, password):
    client = Client()
    sign_in(client, dana_coordinator, password)
    client.post(reverse("account_reauthenticate"), {"password": password})
    response = client.post(
        reverse("break_glass"),
        {"reference": "SS-1999-0001", "reason": "A reason that is long enough."},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert "No file has this reference." in response.content.decode()
    assert "A reason that is long enough." in response.content.decode()


# --- her own space ---------------------------------------------------------------------


def test_her_key_worker_creates_her_account_and_gives_her_a_code(alice_socialworker):
    lune = Participant.objects.create(reference="SS-2026-0100", known_as="Lune")
    Assignment.objects.create(
        participant=lune, worker=alice_socialworker, kind=Assignment.Kind.KEY_WORKER
    )
    client = Client()
    client.force_login(alice_socialworker)
    url = reverse("participant_invite", args=[lune.pk])
    assert "Username she will type" in client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    response = client.post(url, {"username": "etoile"}, HTTP_ACCEPT_LANGUAGE="en")
    assert 'class="invitation-code"' in response.content.decode()
    lune.refresh_from_db()
    assert lune.account.username == "etoile"
    assert Participant.objects.visible_to(lune.account).get() == lune


def test_a_peer_worker_cannot_give_her_a_code(bea_peerworker, eve_file):
    client = Client()
    client.force_login(bea_peerworker)
    assert client.post(reverse("participant_invite", args=[eve_file.pk])).status_code == 403
    html = file_page(bea_peerworker, eve_file).content.decode()
    assert reverse("participant_invite", args=[eve_file.pk]) not in html


def test_her_file_page_has_a_plain_neutral_title(alice_socialworker, eve_file):
    html = file_page(alice_socialworker, eve_file).content.decode()
    title = html.split("<title>")[1].split("</title>")[0]
    assert title == "Her file · Safespace"


def test_what_a_reader_may_not_see_is_not_even_decrypted(
    bea_peerworker, alice_socialworker, eve_file
):
    for_bea = Participant.objects.for_reader(bea_peerworker).get(pk=eve_file.pk)
    assert {"legal_name", "phone", "notes"} <= for_bea.get_deferred_fields()
    for_alice = Participant.objects.for_reader(alice_socialworker).get(pk=eve_file.pk)
    assert not {"legal_name", "phone", "notes"} & for_alice.get_deferred_fields()
    listed = Participant.objects.for_list().get(pk=eve_file.pk)
    assert "legal_name" in listed.get_deferred_fields()


def reveal(user, participant, field, **extra):
    client = Client()
    client.force_login(user)
    return client.post(
        reverse("participant_reveal", args=[participant.pk, field]),
        HTTP_ACCEPT_LANGUAGE="en",
        **extra,
    )


def test_contact_details_are_shown_only_when_asked_for_and_the_asking_is_recorded(
    alice_socialworker, eve_file
):
    page = file_page(alice_socialworker, eve_file).content.decode()
    assert PLANTED["phone"] not in page
    assert reverse("participant_reveal", args=[eve_file.pk, "phone"]) in page

    response = reveal(alice_socialworker, eve_file, "phone", HTTP_HX_REQUEST="true")

    assert response.status_code == 200
    assert PLANTED["phone"] in response.content.decode()
    assert "<html" not in response.content.decode()  # htmx gets the value alone
    assert response["Cache-Control"] == "no-store, private"
    entry = AuditEntry.objects.get(action="participant.contact_revealed")
    assert entry.actor == alice_socialworker
    assert entry.payload == {"fields": ["phone"]}
    assert PLANTED["phone"] not in str(entry.payload)


def test_without_javascript_a_revealed_contact_detail_comes_on_its_own_page(
    alice_socialworker, eve_file
):
    html = reveal(alice_socialworker, eve_file, "phone").content.decode()
    assert PLANTED["phone"] in html and "Back to her file" in html


@pytest.mark.parametrize("field", ["legal_name", "notes", "known_as", "nonsense"])
def test_only_contact_details_can_be_revealed(alice_socialworker, eve_file, field):
    assert reveal(alice_socialworker, eve_file, field).status_code == 404
    assert not AuditEntry.objects.filter(action="participant.contact_revealed").exists()


def test_a_peer_worker_cannot_reveal_her_phone_and_a_stranger_learns_nothing(
    bea_peerworker, dana_coordinator, eve_file
):
    assert reveal(bea_peerworker, eve_file, "phone").status_code == 403
    assert reveal(dana_coordinator, eve_file, "phone").status_code == 404
    assert not AuditEntry.objects.filter(action="participant.contact_revealed").exists()
