"""Collective activities: sessions, attendance (known participants and a head count), and
what the desk sees of a known participant (her known-as name, nothing else)."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cases.models import Participant
from dropin.models import Activity, ActivitySession, Site
from dropin.services import activity_create, activity_session_record
from safespace.models import AuditEntry
from tests.conftest import PLANTED

pytestmark = pytest.mark.django_db
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def a_file(known_as, number):
    return Participant.objects.create(
        reference=f"SS-2026-{number:04d}", known_as=known_as, legal_name=f"Legal {known_as} Name"
    )


@pytest.fixture
def cooking(dana_coordinator):
    return activity_create(actor=dana_coordinator, kind="cooking", title="Tuesday cooking")


@pytest.fixture
def rose(db):
    return a_file("Rose", 100)


def signed_in(client, user):
    client.force_login(user)
    return client


def test_a_session_counts_known_participants_and_the_anonymous_head_count(
    client, alice_socialworker, cooking, eve_file, rose
):
    session = activity_session_record(
        actor=alice_socialworker,
        activity=cooking,
        date=timezone.localdate(),
        participants=[eve_file, rose, rose],
        anonymous_count=3,
    )
    assert set(session.attendees.values_list("pk", flat=True)) == {eve_file.pk, rose.pk}
    entry = AuditEntry.objects.get(action="activity.session_recorded")
    assert entry.payload == {"count": 5}
    assert (entry.actor_id, entry.target_id) == (alice_socialworker.pk, str(session.pk))

    page = signed_in(client, alice_socialworker).get(
        reverse("activity_detail", args=[cooking.pk]), **EN
    )
    text = page.content.decode()
    assert "5 people" in text
    assert "2 named, 3 others" in text
    assert "Rose, Soleil" in text


def test_a_volunteer_records_who_came_and_sees_known_as_names_only(
    client, chloe_volunteer, cooking, eve_file, rose
):
    signed_in(client, chloe_volunteer)
    url = reverse("activity_detail", args=[cooking.pk])
    found = client.post(url, {"q": "Sol", "find": "1"}, **EN).content.decode()
    assert "Soleil" in found
    response = client.post(
        url,
        {
            "date": timezone.localdate().isoformat(),
            "participants": [eve_file.pk, rose.pk],
            "anonymous_count": "2",
        },
        **EN,
    )
    assert response.status_code == 302
    session = ActivitySession.objects.get(activity=cooking)
    assert session.recorded_by == chloe_volunteer
    assert session.anonymous_count == 2
    assert session.attendees.count() == 2
    entry = AuditEntry.objects.get(action="activity.session_recorded")
    assert (entry.actor_id, entry.payload) == (chloe_volunteer.pk, {"count": 4})

    text = client.get(url, **EN).content.decode() + found
    assert "Soleil" in text and "Rose" in text
    for secret in (PLANTED["legal_name"], PLANTED["phone"], eve_file.reference, "Legal Rose"):
        assert secret not in text


def test_the_desk_finds_her_by_her_known_as_name_never_by_her_legal_name(
    client, chloe_volunteer, cooking, eve_file
):
    signed_in(client, chloe_volunteer)
    url = reverse("activity_people", args=[cooking.pk])
    htmx = {"HTTP_HX_REQUEST": "true", **EN}
    assert "Soleil" in client.post(url, {"q": "sol"}, **htmx).content.decode()
    for typed in ("Marguerite", "Planted", eve_file.reference, "0699887766"):
        response = client.post(url, {"q": typed}, **htmx)
        assert response.status_code == 200
        assert "Soleil" not in response.content.decode()


def test_typed_letters_never_travel_in_a_url(client, chloe_volunteer, cooking):
    signed_in(client, chloe_volunteer)
    url = reverse("activity_people", args=[cooking.pk])
    assert client.get(url, {"q": "Sol"}, HTTP_HX_REQUEST="true").status_code == 405
    # asked without htmx, it sends back to the activity's page, with nothing in the address
    response = client.post(url, {"q": "Sol"}, **EN)
    assert response["Location"] == reverse("activity_detail", args=[cooking.pk]) + "#record"


def test_the_people_fragment_keeps_those_ticked_and_offers_the_matches(
    client, alice_socialworker, cooking, eve_file, rose
):
    response = signed_in(client, alice_socialworker).post(
        reverse("activity_people", args=[cooking.pk]),
        {"q": "Sol", "participants": [rose.pk]},
        HTTP_HX_REQUEST="true",
        **EN,
    )
    text = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in text  # a fragment
    assert f'value="{rose.pk}" id="person-{rose.pk}" checked' in text
    assert f'value="{eve_file.pk}" id="person-{eve_file.pk}">' in text


def test_finding_people_without_javascript_keeps_what_was_typed_and_records_nothing(
    client, alice_socialworker, cooking, eve_file, rose
):
    response = signed_in(client, alice_socialworker).post(
        reverse("activity_detail", args=[cooking.pk]),
        {
            "find": "1",
            "q": "Sol",
            "date": "2026-01-05",
            "anonymous_count": "4",
            "participants": [rose.pk],
        },
        **EN,
    )
    text = response.content.decode()
    assert response.status_code == 200
    assert not ActivitySession.objects.exists()
    assert 'value="2026-01-05"' in text and 'value="4"' in text
    assert f'id="person-{rose.pk}" checked' in text
    assert "Soleil" in text
    assert "errorlist" not in text


def test_bad_input_is_shown_next_to_its_field_and_kept(client, alice_socialworker, cooking):
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    response = signed_in(client, alice_socialworker).post(
        reverse("activity_detail", args=[cooking.pk]),
        {"date": tomorrow, "anonymous_count": "-1"},
        **EN,
    )
    text = response.content.decode()
    assert response.status_code == 200
    assert "This date is in the future." in text
    assert "greater than or equal to 0" in text
    assert f'value="{tomorrow}"' in text
    assert not ActivitySession.objects.exists()


def test_a_session_is_corrected_and_the_correction_audited(
    client, chloe_volunteer, cooking, eve_file, rose
):
    session = activity_session_record(
        actor=chloe_volunteer,
        activity=cooking,
        date=timezone.localdate(),
        participants=[eve_file],
        anonymous_count=1,
    )
    signed_in(client, chloe_volunteer)
    url = reverse("activity_session_edit", args=[cooking.pk, session.pk])
    page = client.get(url, **EN).content.decode()
    assert f'id="person-{eve_file.pk}" checked' in page
    response = client.post(
        url,
        {
            "date": session.date.isoformat(),
            "participants": [rose.pk],
            "anonymous_count": "0",
        },
    )
    assert response.status_code == 302
    session.refresh_from_db()
    assert list(session.attendees.values_list("pk", flat=True)) == [rose.pk]
    assert session.anonymous_count == 0
    entry = AuditEntry.objects.get(action="activity.session_corrected")
    assert (entry.target_id, entry.payload) == (str(session.pk), {"count": 1})


def test_a_session_of_another_activity_is_not_there(
    client, chloe_volunteer, cooking, dana_coordinator
):
    yoga = activity_create(actor=dana_coordinator, kind="yoga", title="Yoga")
    session = activity_session_record(
        actor=chloe_volunteer, activity=yoga, date=timezone.localdate(), anonymous_count=3
    )
    response = signed_in(client, chloe_volunteer).get(
        reverse("activity_session_edit", args=[cooking.pk, session.pk])
    )
    assert response.status_code == 404


def test_coordinators_and_social_workers_create_activities_peer_workers_and_volunteers_do_not(
    client, dana_coordinator, alice_socialworker, bea_peerworker, chloe_volunteer
):
    closed_site = Site.objects.create(name="Old house", active=False)
    open_site = Site.objects.create(name="Main house")
    for user in (bea_peerworker, chloe_volunteer):
        client.force_login(user)
        assert client.get(reverse("activity_new")).status_code == 403
        assert reverse("activity_new") not in client.get(reverse("activity_list")).content.decode()
    client.force_login(alice_socialworker)
    form = client.get(reverse("activity_new"), **EN).content.decode()
    assert "Main house" in form and "Old house" not in form
    client.force_login(dana_coordinator)
    response = client.post(
        reverse("activity_new"),
        {"kind": "gardening", "title": "  Garden  ", "site": open_site.pk},
    )
    activity = Activity.objects.get()
    assert response.status_code == 302
    assert (activity.title, activity.site, activity.created_by) == (
        "Garden",
        open_site,
        dana_coordinator,
    )
    entry = AuditEntry.objects.get(action="activity.created")
    assert (entry.actor_id, entry.payload) == (dana_coordinator.pk, {"kind": "gardening"})
    refused = client.post(reverse("activity_new"), {"kind": "yoga", "site": closed_site.pk}, **EN)
    assert refused.status_code == 200
    assert Activity.objects.count() == 1


def test_participants_cannot_reach_activities(client, eve_participant, cooking):
    client.force_login(eve_participant)
    assert client.get(reverse("activity_list")).status_code == 403
    assert client.get(reverse("activity_detail", args=[cooking.pk])).status_code == 403


def _queries(client, url):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


def test_the_activity_list_takes_as_many_queries_for_one_activity_as_for_many(
    client, alice_socialworker, cooking
):
    signed_in(client, alice_socialworker)
    activity_session_record(
        actor=alice_socialworker, activity=cooking, date=timezone.localdate(), anonymous_count=1
    )
    url = reverse("activity_list")
    client.get(url)  # warm the session and role caches
    one = _queries(client, url)
    for number in range(6):
        other = activity_create(actor=alice_socialworker, kind="dance", title=f"Dance {number}")
        for days in range(3):
            activity_session_record(
                actor=alice_socialworker,
                activity=other,
                date=timezone.localdate() - timedelta(days=days),
                anonymous_count=2,
            )
    many = _queries(client, url)
    assert one == many
    text = client.get(url, **EN).content.decode()
    assert "3 sessions" in text and "1 session" in text


def test_the_activity_page_takes_as_many_queries_for_one_session_as_for_many(
    client, alice_socialworker, cooking, eve_file, rose
):
    signed_in(client, alice_socialworker)
    activity_session_record(
        actor=alice_socialworker,
        activity=cooking,
        date=timezone.localdate(),
        participants=[eve_file],
    )
    url = reverse("activity_detail", args=[cooking.pk])
    client.get(url)
    one = _queries(client, url)
    others = [a_file(f"Lune{n}", 200 + n) for n in range(4)]
    for days in range(1, 8):
        activity_session_record(
            actor=alice_socialworker,
            activity=cooking,
            date=timezone.localdate() - timedelta(days=days),
            participants=[eve_file, rose, *others],
            anonymous_count=days,
        )
    assert _queries(client, url) == one
