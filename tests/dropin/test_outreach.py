"""Outreach: street and online rounds, contacts worth following, and linking contacts to
her file by the visitor code she chose. Never a name, never where someone can be found."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from dropin.models import OpeningSession, OutreachContact, OutreachRound, Site, Visit
from dropin.outreach_forms import OutreachContactForm
from dropin.services import (
    outreach_contact_add,
    outreach_contacts_link,
    outreach_round_correct,
    outreach_round_record,
    visit_log,
    visitor_code_digest,
)
from safespace.models import AuditEntry
from tests.conftest import PLANTED
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
NOTES = "Two women near the bus depot asked about the shelter"


def _round(actor, *, kind="street", date=None, team=None, made=4, new=1, notes=NOTES, **material):
    values = {"leaflets": 0, "hygiene_kits": 0, "food_and_drinks": 0, "other_material": 0}
    return outreach_round_record(
        actor=actor,
        kind=kind,
        date=date or timezone.localdate(),
        area="North district",
        team=team if team is not None else [actor],
        contacts_made=made,
        new_contacts=new,
        notes=notes,
        **(values | material),
    )


def _form_data(**changes):
    data = {
        "kind": "street",
        "date": timezone.localdate().isoformat(),
        "area": "Harbour district",
        "contacts_made": "6",
        "new_contacts": "2",
        "leaflets": "10",
        "hygiene_kits": "3",
        "food_and_drinks": "6",
        "other_material": "0",
        "notes": NOTES,
    }
    return data | changes


def _signed_in(client, user):
    client.force_login(user)
    return client


# --- Recording a round ---


def test_recording_a_round_keeps_its_notes_encrypted_and_is_audited(alice_socialworker):
    outreach_round = _round(alice_socialworker, kind="online", made=5, new=2, leaflets=3)

    entry = AuditEntry.objects.get(action="outreach.round_recorded")
    assert entry.actor == alice_socialworker
    assert entry.target_id == str(outreach_round.pk)
    assert entry.payload == {"kind": "online", "count": 5}
    with connection.cursor() as cursor:
        cursor.execute("SELECT notes FROM dropin_outreachround WHERE id = %s", [outreach_round.pk])
        stored = cursor.fetchone()[0]
    assert "bus depot" not in stored and "shelter" not in stored
    assert OutreachRound.objects.get(pk=outreach_round.pk).notes == NOTES


def test_a_round_recorded_through_the_form_has_its_team_and_opens_on_its_page(
    client, alice_socialworker, chloe_volunteer
):
    _signed_in(client, alice_socialworker)
    data = _form_data(team=[alice_socialworker.pk, chloe_volunteer.pk])

    response = client.post(reverse("outreach_new"), data, **EN)

    outreach_round = OutreachRound.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("outreach_detail", args=[outreach_round.pk])
    assert set(outreach_round.team.all()) == {alice_socialworker, chloe_volunteer}
    assert (outreach_round.contacts_made, outreach_round.new_contacts) == (6, 2)
    assert outreach_round.recorded_by == alice_socialworker
    page = client.get(response["Location"], **EN).content.decode()
    assert NOTES in page and "Harbour district" in page and "chloe_volunteer" in page


def test_the_new_round_form_ticks_the_recorder_and_offers_volunteers_but_not_participants(
    client, bea_peerworker, chloe_volunteer, eve_participant
):
    UserFactory(username="gone_worker", role="social_worker", is_active=False)
    _signed_in(client, bea_peerworker)

    response = client.get(reverse("outreach_new"), **EN)

    form = response.context["form"]
    offered = {user.username for user in form.fields["team"].queryset}
    assert {"bea_peerworker", "chloe_volunteer"} <= offered
    assert "eve_participant" not in offered and "gone_worker" not in offered
    assert form["team"].value() == [bea_peerworker.pk]
    assert form["date"].value() == timezone.localdate()
    page = response.content.decode()
    assert "never where a person can be found" in page
    assert f'value="{bea_peerworker.pk}" id="id_team_' in page


def test_more_new_contacts_than_contacts_made_is_refused_next_to_the_field_keeping_what_was_typed(
    client, alice_socialworker
):
    _signed_in(client, alice_socialworker)

    response = client.post(
        reverse("outreach_new"), _form_data(contacts_made="3", new_contacts="5"), **EN
    )

    assert response.status_code == 200
    assert not OutreachRound.objects.exists()
    form = response.context["form"]
    assert list(form.errors) == ["new_contacts"]
    assert "at most 3" in form.errors["new_contacts"][0]
    page = response.content.decode()
    assert 'value="Harbour district"' in page and NOTES in page
    assert 'name="new_contacts" value="5"' in page


def test_a_round_dated_in_the_future_is_refused_next_to_the_date(client, alice_socialworker):
    _signed_in(client, alice_socialworker)
    tomorrow = timezone.localdate() + timedelta(days=1)

    response = client.post(reverse("outreach_new"), _form_data(date=tomorrow.isoformat()), **EN)

    assert response.status_code == 200
    assert not OutreachRound.objects.exists()
    assert response.context["form"].errors["date"] == ["This date is in the future."]


def test_nonsense_numbers_are_refused_with_a_message_never_an_error_page(
    client, alice_socialworker
):
    _signed_in(client, alice_socialworker)

    response = client.post(
        reverse("outreach_new"),
        _form_data(contacts_made="99999999999", leaflets="-2", kind="boat", date="31/02"),
        **EN,
    )

    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"contacts_made", "leaflets", "kind", "date"}


@pytest.mark.parametrize("fixture", ["chloe_volunteer", "eve_participant"])
def test_volunteers_and_participants_cannot_record_or_read_rounds(
    client, request, alice_socialworker, fixture
):
    outreach_round = _round(alice_socialworker)
    _signed_in(client, request.getfixturevalue(fixture))

    assert client.get(reverse("outreach_list")).status_code == 403
    assert client.get(reverse("outreach_new")).status_code == 403
    assert client.post(reverse("outreach_new"), _form_data()).status_code == 403
    assert client.get(reverse("outreach_detail", args=[outreach_round.pk])).status_code == 403
    assert OutreachRound.objects.count() == 1


# --- The list and this month's summary ---


def test_the_list_issues_the_same_number_of_queries_for_one_round_or_many(
    client, alice_socialworker, bea_peerworker, chloe_volunteer
):
    _round(alice_socialworker)
    _signed_in(client, alice_socialworker)
    client.get(reverse("outreach_list"))  # warm the session
    with CaptureQueriesContext(connection) as one:
        assert client.get(reverse("outreach_list")).status_code == 200

    for index in range(12):
        _round(
            bea_peerworker,
            kind="online" if index % 2 else "street",
            team=[bea_peerworker, chloe_volunteer][: index % 3],
        )
    with CaptureQueriesContext(connection) as many:
        response = client.get(reverse("outreach_list"))

    assert len(response.context["page"].object_list) == 13
    assert len(many.captured_queries) == len(one.captured_queries)
    summaries = [q["sql"] for q in many.captured_queries if "SUM(" in q["sql"].upper()]
    assert len(summaries) == 1
    # the list never decrypts notes
    listing = [q["sql"] for q in many.captured_queries if "dropin_outreachround" in q["sql"]]
    assert not any('"notes"' in sql for sql in listing)


def test_the_month_summary_adds_up_this_months_rounds_only(client, dana_coordinator):
    today = timezone.localdate()
    last_month = today.replace(day=1) - timedelta(days=1)
    first = _round(dana_coordinator, made=4, new=1, leaflets=10, hygiene_kits=2)
    second = _round(dana_coordinator, kind="online", made=3, new=3, other_material=1)
    older = _round(dana_coordinator, date=last_month, made=50, new=20, leaflets=100)
    _signed_in(client, dana_coordinator)

    response = client.get(reverse("outreach_list"), **EN)

    assert response.context["month"] == {"rounds": 2, "contacts": 7, "new": 4, "material": 13}
    assert response.context["page"].paginator.count == 3
    rows = list(response.context["page"].object_list)
    assert [r.pk for r in rows] == [second.pk, first.pk, older.pk]  # newest first
    assert [r.material for r in rows] == [1, 12, 100]


def test_the_list_is_filtered_by_kind_and_the_summary_follows(client, alice_socialworker):
    street = _round(alice_socialworker, kind="street", made=4, new=1)
    online = _round(alice_socialworker, kind="online", made=9, new=2)
    _signed_in(client, alice_socialworker)

    response = client.get(reverse("outreach_list"), {"kind": "online"}, **EN)

    assert [r.pk for r in response.context["page"].object_list] == [online.pk]
    assert response.context["month"]["contacts"] == 9
    assert 'aria-current="page">Online' in response.content.decode()
    anything = client.get(reverse("outreach_list"), {"kind": "<script>"}, **EN)
    assert {r.pk for r in anything.context["page"].object_list} == {street.pk, online.pk}


def test_the_list_pages_by_fifty(client, alice_socialworker):
    for _ in range(51):
        _round(alice_socialworker, notes="")
    _signed_in(client, alice_socialworker)

    first = client.get(reverse("outreach_list"), **EN)
    second = client.get(reverse("outreach_list"), {"page": 2}, **EN)

    assert len(first.context["page"].object_list) == 50
    assert len(second.context["page"].object_list) == 1


# --- Correcting a round ---


def test_correcting_a_round_names_the_fields_that_changed_in_the_audit(
    alice_socialworker, bea_peerworker
):
    outreach_round = _round(alice_socialworker, made=4, new=1)
    values = {
        "kind": "street",
        "date": outreach_round.date,
        "area": "North district",
        "contacts_made": 6,
        "new_contacts": 1,
        "leaflets": 0,
        "hygiene_kits": 0,
        "food_and_drinks": 0,
        "other_material": 0,
        "notes": "Corrected notes",
    }

    changed = outreach_round_correct(
        actor=bea_peerworker,
        outreach_round=outreach_round,
        team=[alice_socialworker, bea_peerworker],
        **values,
    )

    assert changed == ["contacts_made", "notes", "team"]
    entry = AuditEntry.objects.get(action="outreach.round_corrected")
    assert entry.actor == bea_peerworker and entry.payload == {"fields": changed}
    outreach_round.refresh_from_db()
    assert outreach_round.contacts_made == 6 and outreach_round.notes == "Corrected notes"
    again = outreach_round_correct(
        actor=bea_peerworker,
        outreach_round=outreach_round,
        team=[alice_socialworker, bea_peerworker],
        **values,
    )
    assert again == []
    assert AuditEntry.objects.filter(action="outreach.round_corrected").count() == 1


def test_correcting_a_round_through_its_form_keeps_a_team_member_who_has_left(
    client, alice_socialworker, dana_coordinator
):
    gone = UserFactory(username="gone_worker", role="peer_worker")
    outreach_round = _round(alice_socialworker, team=[alice_socialworker, gone])
    gone.is_active = False
    gone.save()
    _signed_in(client, dana_coordinator)
    url = reverse("outreach_edit", args=[outreach_round.pk])

    form = client.get(url, **EN).context["form"]
    assert set(form["team"].value()) == {alice_socialworker.pk, gone.pk}
    response = client.post(
        url,
        _form_data(
            area="North district",
            contacts_made="4",
            new_contacts="1",
            leaflets="0",
            hygiene_kits="0",
            food_and_drinks="0",
            team=[alice_socialworker.pk, gone.pk],
        ),
        **EN,
    )

    assert response.status_code == 302
    outreach_round.refresh_from_db()
    assert set(outreach_round.team.all()) == {alice_socialworker, gone}
    # nothing changed: nothing written, nothing audited
    assert not AuditEntry.objects.filter(action="outreach.round_corrected").exists()


def test_a_correction_with_more_new_than_made_is_refused_next_to_the_field(
    client, alice_socialworker
):
    outreach_round = _round(alice_socialworker, made=4, new=1)
    _signed_in(client, alice_socialworker)

    response = client.post(
        reverse("outreach_edit", args=[outreach_round.pk]),
        _form_data(contacts_made="2", new_contacts="3"),
        **EN,
    )

    assert response.status_code == 200
    assert list(response.context["form"].errors) == ["new_contacts"]
    outreach_round.refresh_from_db()
    assert outreach_round.contacts_made == 4


# --- Contacts worth following ---


def test_a_contact_to_follow_is_added_with_her_code_kept_only_as_a_keyed_hash(
    client, bea_peerworker
):
    outreach_round = _round(bea_peerworker)
    _signed_in(client, bea_peerworker)

    response = client.post(
        reverse("outreach_contact_new", args=[outreach_round.pk]),
        {
            "visitor_code": "Rose 12",
            "nationality": "NG",
            "age_band": "18_25",
            "first_contact": "no",
        },
        **EN,
    )

    assert response.status_code == 302
    contact = OutreachContact.objects.get()
    assert contact.visitor_code == visitor_code_digest("rose12")
    assert "rose" not in contact.visitor_code.lower()
    assert (contact.nationality.code, contact.age_band, contact.first_contact) == (
        "NG",
        "18_25",
        False,
    )
    entry = AuditEntry.objects.get(action="outreach.contact_added")
    assert entry.actor == bea_peerworker and entry.target_id == str(contact.pk)
    page = client.get(reverse("outreach_detail", args=[outreach_round.pk]), **EN)
    assert "Rose 12" not in page.content.decode()
    assert "with a visitor code" in page.content.decode()


def test_a_contact_form_with_bad_input_re_shows_the_round_page_with_the_error(
    client, alice_socialworker
):
    outreach_round = _round(alice_socialworker)
    _signed_in(client, alice_socialworker)

    response = client.post(
        reverse("outreach_contact_new", args=[outreach_round.pk]),
        {"visitor_code": "x" * 41, "nationality": "ZZ", "first_contact": "yes"},
        **EN,
    )

    assert response.status_code == 200
    assert set(response.context["contact_form"].errors) == {"visitor_code", "nationality"}
    assert not OutreachContact.objects.exists()


def test_a_contact_never_shows_a_name(client, alice_socialworker, bea_peerworker, eve_file):
    assert not {"name", "known_as", "legal_name"} & set(OutreachContactForm().fields)
    outreach_round = _round(alice_socialworker)
    outreach_contact_add(actor=alice_socialworker, outreach_round=outreach_round, visitor_code="x1")
    outreach_contacts_link(actor=alice_socialworker, participant=eve_file, visitor_code="x1")

    for user in (alice_socialworker, bea_peerworker):
        client.force_login(user)
        page = client.get(reverse("outreach_detail", args=[outreach_round.pk]), **EN)
        text = page.content.decode()
        assert PLANTED["known_as"] not in text and PLANTED["legal_name"] not in text
        assert eve_file.reference not in text
        assert "Linked to her file" in text


def test_a_contact_linked_to_a_file_out_of_scope_is_only_said_to_be_linked(
    client, alice_socialworker, dana_coordinator, eve_file
):
    outreach_round = _round(alice_socialworker)
    outreach_contact_add(actor=alice_socialworker, outreach_round=outreach_round, visitor_code="x1")
    outreach_contacts_link(actor=alice_socialworker, participant=eve_file, visitor_code="x1")
    _signed_in(client, dana_coordinator)

    text = client.get(reverse("outreach_detail", args=[outreach_round.pk]), **EN).content.decode()

    assert "Linked to a file" in text
    assert reverse("participant_detail", args=[eve_file.pk]) not in text


# --- Linking contacts to her file ---


def test_contacts_are_linked_to_her_file_by_her_code_whatever_the_capitals_and_spaces(
    client, alice_socialworker, bea_peerworker, eve_file
):
    street = _round(bea_peerworker)
    online = _round(bea_peerworker, kind="online")
    outreach_contact_add(actor=bea_peerworker, outreach_round=street, visitor_code="Rose 12")
    outreach_contact_add(actor=bea_peerworker, outreach_round=online, visitor_code="ROSE12")
    other = outreach_contact_add(actor=bea_peerworker, outreach_round=street, visitor_code="Lily")
    uncoded = outreach_contact_add(actor=bea_peerworker, outreach_round=street)
    # the same code at the drop-in desk: the visit stays anonymous
    session = OpeningSession.objects.create(
        site=Site.objects.create(name="Main"),
        opens_at="10:00",
        closes_at="12:00",
        opened_by=alice_socialworker,
    )
    visit = visit_log(actor=alice_socialworker, session=session, visitor_code="rose 12")
    _signed_in(client, alice_socialworker)
    url = reverse("outreach_link", args=[eve_file.pk])

    response = client.post(url, {"visitor_code": "rose12"}, follow=True, **EN)

    assert "2 contacts from outreach are now linked to her file." in response.content.decode()
    assert set(OutreachContact.objects.filter(participant=eve_file)) == {
        *OutreachContact.objects.filter(round__in=[street, online], visitor_code=visit.visitor_code)
    }
    assert OutreachContact.objects.filter(participant=eve_file).count() == 2
    other.refresh_from_db()
    uncoded.refresh_from_db()
    assert other.participant_id is None and uncoded.participant_id is None
    assert Visit.objects.get(pk=visit.pk).participant_id is None
    entry = AuditEntry.objects.get(action="outreach.contacts_linked")
    assert entry.actor == alice_socialworker
    assert entry.participant_id == eve_file.pk and entry.payload == {"count": 2}
    assert "rose" not in str(entry.payload).lower()


def test_a_contact_already_linked_to_another_file_stays_with_it(
    alice_socialworker, bea_peerworker, eve_file
):
    from cases.models import Participant

    someone_else = Participant.objects.create(reference="SS-2026-0099", known_as="Iris")
    outreach_round = _round(bea_peerworker)
    contact = outreach_contact_add(
        actor=bea_peerworker, outreach_round=outreach_round, visitor_code="rose12"
    )
    assert (
        outreach_contacts_link(
            actor=alice_socialworker, participant=someone_else, visitor_code="Rose 12"
        )
        == 1
    )

    linked = outreach_contacts_link(
        actor=alice_socialworker, participant=eve_file, visitor_code="rose12"
    )

    assert linked == 0
    contact.refresh_from_db()
    assert contact.participant == someone_else


def test_linking_with_a_code_nobody_has_says_so_calmly_and_changes_nothing(
    client, alice_socialworker, eve_file
):
    outreach_round = _round(alice_socialworker)
    outreach_contact_add(actor=alice_socialworker, outreach_round=outreach_round, visitor_code="a1")
    _signed_in(client, alice_socialworker)

    response = client.post(
        reverse("outreach_link", args=[eve_file.pk]), {"visitor_code": "b2"}, follow=True, **EN
    )

    assert "No contact from outreach waits with this code." in response.content.decode()
    assert not OutreachContact.objects.filter(participant__isnull=False).exists()
    assert AuditEntry.objects.get(action="outreach.contacts_linked").payload == {"count": 0}


def test_linking_needs_a_code_written_with_letters_or_digits(client, alice_socialworker, eve_file):
    _signed_in(client, alice_socialworker)

    response = client.post(
        reverse("outreach_link", args=[eve_file.pk]), {"visitor_code": " -- "}, **EN
    )

    assert response.status_code == 200
    assert "visitor_code" in response.context["form"].errors
    assert not AuditEntry.objects.filter(action="outreach.contacts_linked").exists()


@pytest.mark.parametrize(
    ("fixture", "status"),
    [("dana_coordinator", 404), ("bea_peerworker", 403), ("chloe_volunteer", 403)],
)
def test_linking_needs_her_file_in_scope_and_her_pathway_writable(
    client, request, alice_socialworker, eve_file, fixture, status
):
    outreach_round = _round(alice_socialworker)
    outreach_contact_add(
        actor=alice_socialworker, outreach_round=outreach_round, visitor_code="rose12"
    )
    _signed_in(client, request.getfixturevalue(fixture))
    url = reverse("outreach_link", args=[eve_file.pk])

    assert client.get(url).status_code == status
    assert client.post(url, {"visitor_code": "rose12"}).status_code == status
    assert not OutreachContact.objects.filter(participant__isnull=False).exists()


def test_a_coordinator_with_her_file_in_scope_links_contacts(client, dana_coordinator, eve_file):
    from cases.models import Assignment

    Assignment.objects.create(
        participant=eve_file, worker=dana_coordinator, kind=Assignment.Kind.KEY_WORKER
    )
    outreach_round = _round(dana_coordinator)
    outreach_contact_add(actor=dana_coordinator, outreach_round=outreach_round, visitor_code="r1")
    _signed_in(client, dana_coordinator)

    response = client.post(
        reverse("outreach_link", args=[eve_file.pk]), {"visitor_code": "R 1"}, follow=True, **EN
    )

    assert "1 contact from outreach is now linked to her file." in response.content.decode()


# --- The drop-in page links here, for those who may record rounds ---


def test_the_drop_in_page_links_to_outreach_rounds_for_staff_who_go_out(
    client, alice_socialworker, chloe_volunteer
):
    _signed_in(client, alice_socialworker)
    assert reverse("outreach_list") in client.get(reverse("dropin_home"), **EN).content.decode()
    _signed_in(client, chloe_volunteer)
    assert reverse("outreach_list") not in client.get(reverse("dropin_home"), **EN).content.decode()
