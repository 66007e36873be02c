"""Peer groups: who sees which group, the facilitators' notes, enrolment after individual
support, members leaving, sessions beyond the plan, and constant queries."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cases.models import Appointment, Assignment, CaseNote, Participant
from dropin.models import PeerGroup, PeerGroupMember, PeerGroupSession
from dropin.services import (
    AlreadyMember,
    GroupClosed,
    NoIndividualSupport,
    has_individual_support,
    peer_group_close,
    peer_group_create,
    peer_group_member_enrol,
    peer_group_session_record,
)
from safespace.models import AuditEntry
from tests.conftest import PLANTED
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
NOTE = "Quiet start; the room was too cold, ask for the other room"


def a_file(known_as, number):
    return Participant.objects.create(
        reference=f"SS-2026-{number:04d}", known_as=known_as, legal_name=f"Legal {known_as} Name"
    )


def a_group(actor, facilitators, name="Tuesday group", planned=12):
    return peer_group_create(
        actor=actor,
        name=name,
        site=None,
        planned_sessions=planned,
        starts_on=timezone.localdate() - timedelta(days=60),
        facilitators=facilitators,
    )


@pytest.fixture
def group(dana_coordinator, bea_peerworker):
    """Bea facilitates it; Dana (coordinator) set it up but does not facilitate it."""
    return a_group(dana_coordinator, [bea_peerworker])


@pytest.fixture
def rose(db):
    """A file with no individual support yet."""
    return a_file("Rose", 100)


def enrol(actor, group, participant, **kwargs):
    return peer_group_member_enrol(actor=actor, group=group, participant=participant, **kwargs)


# --- Who sees which group ---


def test_bea_sees_only_the_groups_she_facilitates(
    client, group, dana_coordinator, alice_socialworker, bea_peerworker
):
    other = a_group(dana_coordinator, [alice_socialworker], name="Thursday group")
    client.force_login(bea_peerworker)
    listing = client.get(reverse("peer_group_list"), **EN).content.decode()
    assert "Tuesday group" in listing and "Thursday group" not in listing
    assert client.get(reverse("peer_group_detail", args=[group.pk])).status_code == 200
    for name in ("peer_group_detail", "peer_group_member_new", "peer_group_session_new"):
        assert client.get(reverse(name, args=[other.pk])).status_code == 404
    assert client.post(reverse("peer_group_close", args=[other.pk])).status_code == 404

    client.force_login(dana_coordinator)
    listing = client.get(reverse("peer_group_list"), **EN).content.decode()
    assert "Tuesday group" in listing and "Thursday group" in listing


def test_volunteers_and_participants_do_not_reach_peer_groups(
    client, group, chloe_volunteer, eve_participant
):
    for user in (chloe_volunteer, eve_participant):
        client.force_login(user)
        assert client.get(reverse("peer_group_list")).status_code == 403
        assert client.get(reverse("peer_group_detail", args=[group.pk])).status_code == 403


def test_the_group_page_shows_members_by_their_known_as_name_only(
    client, group, bea_peerworker, eve_file
):
    enrol(bea_peerworker, group, eve_file)
    page = client_for(client, bea_peerworker).get(
        reverse("peer_group_detail", args=[group.pk]), **EN
    )
    text = page.content.decode()
    assert "Soleil" in text
    for secret in (PLANTED["legal_name"], PLANTED["phone"], eve_file.reference):
        assert secret not in text


def client_for(client, user):
    client.force_login(user)
    return client


# --- The facilitators' notes ---


def test_the_facilitators_notes_are_encrypted_in_the_database(group, bea_peerworker, eve_file):
    enrol(bea_peerworker, group, eve_file)
    session = peer_group_session_record(
        actor=bea_peerworker,
        group=group,
        date=timezone.localdate(),
        attendees=[eve_file],
        facilitator_notes=NOTE,
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT facilitator_notes FROM dropin_peergroupsession WHERE id = %s", [session.pk]
        )
        stored = cursor.fetchone()[0]
    assert "cold" not in stored and stored
    assert PeerGroupSession.objects.get(pk=session.pk).facilitator_notes == NOTE
    entry = AuditEntry.objects.get(action="peer_group.session_recorded")
    assert entry.payload == {"count": 1}
    assert "cold" not in str(AuditEntry.objects.values_list("payload", flat=True))


def test_a_coordinator_who_does_not_facilitate_the_group_is_told_why_she_cannot_read_the_notes(
    client, group, bea_peerworker, dana_coordinator, eve_file
):
    enrol(bea_peerworker, group, eve_file)
    peer_group_session_record(
        actor=bea_peerworker,
        group=group,
        date=timezone.localdate(),
        attendees=[eve_file],
        facilitator_notes=NOTE,
    )
    url = reverse("peer_group_detail", args=[group.pk])
    dana_sees = client_for(client, dana_coordinator).get(url, **EN).content.decode()
    assert NOTE not in dana_sees
    assert "Only the group's facilitators can read these notes." in dana_sees
    assert "1 present: Soleil" in dana_sees
    with CaptureQueriesContext(connection) as captured:
        client.get(url)
    # never even read from the database for her, so never decrypted
    assert not any("facilitator_notes" in query["sql"] for query in captured.captured_queries)
    bea_sees = client_for(client, bea_peerworker).get(url, **EN).content.decode()
    assert "the room was too cold" in bea_sees
    assert "Only the group's facilitators" not in bea_sees


def test_only_the_facilitators_record_a_session(
    client, group, dana_coordinator, bea_peerworker, eve_file
):
    enrol(dana_coordinator, group, eve_file)
    url = reverse("peer_group_session_new", args=[group.pk])
    assert client_for(client, dana_coordinator).get(url).status_code == 403
    client.force_login(bea_peerworker)
    form = client.get(url, **EN).content.decode()
    assert "Soleil" in form
    assert "For the facilitators. Write how the session went, not what members said." in form
    response = client.post(
        url,
        {
            "date": timezone.localdate().isoformat(),
            "attendees": [eve_file.pk],
            "facilitator_notes": NOTE,
        },
    )
    assert response.status_code == 302
    session = PeerGroupSession.objects.get(group=group)
    assert list(session.attendees.values_list("pk", flat=True)) == [eve_file.pk]
    assert session.recorded_by == bea_peerworker


def test_only_current_members_can_be_marked_present(client, group, bea_peerworker, eve_file, rose):
    enrol(bea_peerworker, group, eve_file)
    response = client_for(client, bea_peerworker).post(
        reverse("peer_group_session_new", args=[group.pk]),
        {"date": timezone.localdate().isoformat(), "attendees": [rose.pk]},
        **EN,
    )
    assert response.status_code == 200
    assert "Select a valid choice." in response.content.decode()
    assert not PeerGroupSession.objects.exists()


def test_sessions_beyond_the_planned_number_are_recorded_and_shown_as_13_of_12(
    client, group, bea_peerworker, eve_file
):
    enrol(bea_peerworker, group, eve_file)
    for days in range(13):
        peer_group_session_record(
            actor=bea_peerworker,
            group=group,
            date=timezone.localdate() - timedelta(days=days),
            attendees=[eve_file] if days % 2 else [],
        )
    detail = client_for(client, bea_peerworker).get(
        reverse("peer_group_detail", args=[group.pk]), **EN
    )
    assert "13 of 12 sessions" in detail.content.decode()
    assert "came to 6 sessions" in detail.content.decode()
    listing = client.get(reverse("peer_group_list"), **EN).content.decode()
    assert "13 of 12 sessions" in listing and "1 member" in listing


# --- Enrolment after individual support ---


@pytest.mark.parametrize(
    ("support", "expected"),
    [
        ("none", False),
        ("planned_appointment", False),
        ("appointment_that_took_place", True),
        ("case_note", True),
        ("key_worker", True),
        ("former_key_worker", False),
        ("peer_worker_only", False),
    ],
)
def test_individual_support_is_an_appointment_that_took_place_a_note_or_a_key_worker(
    support, expected, rose, alice_socialworker, bea_peerworker, django_assert_num_queries
):
    now = timezone.now()
    if support.endswith("appointment") or support == "appointment_that_took_place":
        status = "done" if support == "appointment_that_took_place" else "planned"
        Appointment.objects.create(
            participant=rose,
            worker=alice_socialworker,
            created_by=alice_socialworker,
            starts_at=now,
            status=status,
        )
    elif support == "case_note":
        CaseNote.objects.create(
            participant=rose, author=alice_socialworker, kind="other", text="private words"
        )
    elif support in ("key_worker", "former_key_worker"):
        Assignment.objects.create(
            participant=rose,
            worker=alice_socialworker,
            kind=Assignment.Kind.KEY_WORKER,
            ended_at=now if support == "former_key_worker" else None,
        )
    elif support == "peer_worker_only":
        Assignment.objects.create(
            participant=rose, worker=bea_peerworker, kind=Assignment.Kind.PEER_WORKER
        )
    with django_assert_num_queries(1):
        assert has_individual_support(rose) is expected


def test_enrolling_her_without_individual_support_warns_and_needs_a_confirmation(
    client, group, bea_peerworker, rose
):
    client.force_login(bea_peerworker)
    url = reverse("peer_group_member_new", args=[group.pk])
    found = client.post(url, {"find": "1", "q": "Ros"}, **EN).content.decode()
    assert "Rose" in found and "no individual support yet" in found
    data = {"participant": rose.pk, "enrolled_on": timezone.localdate().isoformat(), "q": "Ros"}
    warned = client.post(url, data, **EN)
    text = warned.content.decode()
    assert warned.status_code == 200
    assert "She has had no individual support yet" in text
    assert 'name="without_individual_support"' in text
    assert f'id="person-{rose.pk}" checked' in text
    assert not PeerGroupMember.objects.exists()
    assert not AuditEntry.objects.filter(action="peer_group.member_enrolled").exists()

    confirmed = client.post(url, {**data, "without_individual_support": "on"})
    assert confirmed.status_code == 302
    member = PeerGroupMember.objects.get(group=group)
    assert (member.participant, member.enrolled_by) == (rose, bea_peerworker)
    entry = AuditEntry.objects.get(action="peer_group.member_enrolled")
    assert entry.participant_id == rose.pk
    assert entry.payload == {"status": "without_individual_support"}


def test_she_is_enrolled_without_a_warning_after_individual_support(
    client, group, dana_coordinator, eve_file
):
    response = client_for(client, dana_coordinator).post(
        reverse("peer_group_member_new", args=[group.pk]),
        {"participant": eve_file.pk, "enrolled_on": timezone.localdate().isoformat()},
    )
    assert response.status_code == 302
    entry = AuditEntry.objects.get(action="peer_group.member_enrolled")
    assert (entry.participant_id, entry.actor_id, entry.payload) == (
        eve_file.pk,
        dana_coordinator.pk,
        {},
    )


def test_the_service_refuses_enrolment_without_support_unless_confirmed(
    group, bea_peerworker, rose, eve_file
):
    with pytest.raises(NoIndividualSupport):
        enrol(bea_peerworker, group, rose)
    enrol(bea_peerworker, group, rose, without_individual_support=True)
    enrol(bea_peerworker, group, eve_file)
    with pytest.raises(AlreadyMember):
        enrol(bea_peerworker, group, eve_file)


def test_a_current_member_is_not_offered_again(client, group, bea_peerworker, eve_file):
    enrol(bea_peerworker, group, eve_file)
    found = client_for(client, bea_peerworker).post(
        reverse("peer_group_member_new", args=[group.pk]), {"find": "1", "q": "Sol"}, **EN
    )
    assert "Soleil" not in found.content.decode()


def test_a_social_worker_who_does_not_facilitate_cannot_enrol_and_does_not_see_the_group(
    client, group, alice_socialworker, eve_file
):
    response = client_for(client, alice_socialworker).post(
        reverse("peer_group_member_new", args=[group.pk]),
        {"participant": eve_file.pk, "enrolled_on": timezone.localdate().isoformat()},
    )
    assert response.status_code == 404
    assert not PeerGroupMember.objects.exists()


# --- Leaving, coming back, closing ---


def test_a_member_leaves_the_group_and_it_is_audited(client, group, bea_peerworker, eve_file):
    member = enrol(bea_peerworker, group, eve_file)
    url = reverse("peer_group_member_leave", args=[group.pk, member.pk])
    client.force_login(bea_peerworker)
    assert client.get(url).status_code == 405
    assert client.post(url).status_code == 302
    member.refresh_from_db()
    assert member.left_on == timezone.localdate()
    entry = AuditEntry.objects.get(action="peer_group.member_left")
    assert (entry.participant_id, entry.target_id) == (eve_file.pk, str(member.pk))
    client.post(url)  # twice: nothing more happens
    assert AuditEntry.objects.filter(action="peer_group.member_left").count() == 1
    page = client.get(reverse("peer_group_detail", args=[group.pk]), **EN).content.decode()
    assert "Former members" in page and "Soleil" in page

    again = enrol(bea_peerworker, group, eve_file)
    assert (again.pk, again.left_on) == (member.pk, None)
    assert AuditEntry.objects.filter(action="peer_group.member_enrolled").count() == 2


def test_a_member_of_another_group_cannot_be_made_to_leave_through_this_one(
    client, group, dana_coordinator, bea_peerworker, eve_file
):
    other = a_group(dana_coordinator, [bea_peerworker], name="Other group")
    member = enrol(bea_peerworker, other, eve_file)
    response = client_for(client, bea_peerworker).post(
        reverse("peer_group_member_leave", args=[group.pk, member.pk])
    )
    assert response.status_code == 404
    member.refresh_from_db()
    assert member.left_on is None


def test_closing_a_group_keeps_its_sessions_and_stops_new_ones(
    client, group, bea_peerworker, eve_file, rose
):
    enrol(bea_peerworker, group, eve_file)
    peer_group_session_record(
        actor=bea_peerworker, group=group, date=timezone.localdate(), attendees=[eve_file]
    )
    client.force_login(bea_peerworker)
    assert client.post(reverse("peer_group_close", args=[group.pk])).status_code == 302
    group.refresh_from_db()
    assert group.closed_on == timezone.localdate()
    entry = AuditEntry.objects.get(action="peer_group.closed")
    assert (entry.actor_id, entry.payload) == (bea_peerworker.pk, {"count": 1})
    assert peer_group_close(actor=bea_peerworker, group=group) is False
    assert client.get(reverse("peer_group_session_new", args=[group.pk])).status_code == 302
    with pytest.raises(GroupClosed):
        peer_group_session_record(actor=bea_peerworker, group=group, date=timezone.localdate())
    with pytest.raises(GroupClosed):
        enrol(bea_peerworker, group, rose, without_individual_support=True)


# --- Creating a group ---


def test_only_coordinators_create_a_group_with_peer_workers_and_staff_as_facilitators(
    client, dana_coordinator, bea_peerworker, alice_socialworker, chloe_volunteer
):
    UserFactory(username="former_peer", role="peer_worker", is_active=False)
    assert client_for(client, bea_peerworker).get(reverse("peer_group_new")).status_code == 403
    client.force_login(dana_coordinator)
    form = client.get(reverse("peer_group_new"), **EN).content.decode()
    for name in ("bea_peerworker", "alice_socialworker", "dana_coordinator"):
        assert name in form
    assert "chloe_volunteer" not in form and "former_peer" not in form
    assert 'value="12"' in form
    refused = client.post(
        reverse("peer_group_new"),
        {"name": "Group", "planned_sessions": "60", "starts_on": "2026-03-01"},
        **EN,
    ).content.decode()
    assert "Choose at least one facilitator." in refused
    assert "less than or equal to 52" in refused
    response = client.post(
        reverse("peer_group_new"),
        {
            "name": "Spring group",
            "planned_sessions": "12",
            "starts_on": "2026-03-01",
            "facilitators": [bea_peerworker.pk, alice_socialworker.pk],
        },
    )
    group = PeerGroup.objects.get()
    assert response.status_code == 302
    assert set(group.facilitators.all()) == {bea_peerworker, alice_socialworker}
    entry = AuditEntry.objects.get(action="peer_group.created")
    assert (entry.actor_id, entry.target_id, entry.payload) == (
        dana_coordinator.pk,
        str(group.pk),
        {"count": 2},
    )


# --- Constant queries ---


def _queries(client, url):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


def test_the_group_list_takes_as_many_queries_for_one_group_as_for_many(
    client, group, dana_coordinator, bea_peerworker, eve_file
):
    client.force_login(bea_peerworker)
    url = reverse("peer_group_list")
    client.get(url)
    one = _queries(client, url)
    for number in range(5):
        other = a_group(dana_coordinator, [bea_peerworker], name=f"Group {number}")
        enrol(bea_peerworker, other, eve_file)
        peer_group_session_record(
            actor=bea_peerworker, group=other, date=timezone.localdate(), attendees=[eve_file]
        )
    assert _queries(client, url) == one


def test_the_group_page_takes_as_many_queries_for_one_member_as_for_many(
    client, group, bea_peerworker, eve_file
):
    client.force_login(bea_peerworker)
    enrol(bea_peerworker, group, eve_file)
    peer_group_session_record(
        actor=bea_peerworker,
        group=group,
        date=timezone.localdate(),
        attendees=[eve_file],
        facilitator_notes=NOTE,
    )
    url = reverse("peer_group_detail", args=[group.pk])
    client.get(url)
    one = _queries(client, url)
    others = [a_file(f"Lune{n}", 200 + n) for n in range(5)]
    for person in others:
        enrol(bea_peerworker, group, person, without_individual_support=True)
    for days in range(1, 8):
        peer_group_session_record(
            actor=bea_peerworker,
            group=group,
            date=timezone.localdate() - timedelta(days=days),
            attendees=[eve_file, *others[:days]],
            facilitator_notes=NOTE,
        )
    assert _queries(client, url) == one


def test_the_drop_in_page_links_activities_for_the_desk_and_peer_groups_for_staff(
    client, chloe_volunteer, bea_peerworker
):
    volunteer_sees = client_for(client, chloe_volunteer).get(reverse("dropin_home")).content
    assert reverse("activity_list").encode() in volunteer_sees
    assert reverse("peer_group_list").encode() not in volunteer_sees
    peer_worker_sees = client_for(client, bea_peerworker).get(reverse("dropin_home")).content
    assert reverse("peer_group_list").encode() in peer_worker_sees
