"""Services given in individual support, outside a visit, recorded from her file."""

from datetime import time, timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from dropin.models import Service, ServiceGiven, Site
from dropin.services import service_give, session_open, visit_log
from safespace.models import AuditEntry

pytestmark = pytest.mark.django_db


def client_for(user):
    client = Client()
    client.force_login(user)
    return client


def get(client, url):
    return client.get(url, HTTP_ACCEPT_LANGUAGE="en")


def post(client, url, data):
    return client.post(url, data, HTTP_ACCEPT_LANGUAGE="en")


@pytest.fixture
def alice(alice_socialworker):
    return client_for(alice_socialworker)


def _session(actor, day=None):
    site, _ = Site.objects.get_or_create(name="Maison Nord")
    return session_open(
        actor=actor,
        site=site,
        date=day or timezone.localdate(),
        opens_at=time(9),
        closes_at=time(12),
    )


def test_her_social_worker_records_a_service_given_outside_a_visit_and_it_is_audited(
    alice, alice_socialworker, eve_file
):
    psychological = Service.objects.get(code="psychological_support")
    yesterday = timezone.localdate() - timedelta(days=1)
    response = post(
        alice,
        reverse("dropin_support_new", args=[eve_file.pk]),
        {"service": psychological.pk, "given_on": yesterday.isoformat()},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("dropin_support_list", args=[eve_file.pk])
    given = ServiceGiven.objects.get()
    assert (given.service, given.participant_id, given.visit_id, given.given_on) == (
        psychological,
        eve_file.pk,
        None,
        yesterday,
    )
    assert given.given_by == alice_socialworker
    entry = AuditEntry.objects.get(action="dropin.service_given")
    assert entry.participant_id == eve_file.pk
    assert entry.payload == {"kind": "psychological"}
    assert (entry.actor_id, entry.target_id) == (alice_socialworker.pk, str(given.pk))


def test_the_form_offers_services_by_category_and_today_by_default(alice, eve_file):
    html = get(alice, reverse("dropin_support_new", args=[eve_file.pk])).content.decode()
    assert '<optgroup label="Food support">' in html
    assert '<optgroup label="Psychological support">' in html
    assert "Meal or coffee" in html
    assert f'value="{timezone.localdate().isoformat()}"' in html


@pytest.mark.parametrize(
    ("days_ago", "message"),
    [
        (-1, "The date cannot be in the future."),
        (400, "Record services given within the past year only."),
    ],
)
def test_the_date_is_neither_in_the_future_nor_more_than_a_year_back(
    alice, eve_file, days_ago, message
):
    day = timezone.localdate() - timedelta(days=days_ago)
    response = post(
        alice,
        reverse("dropin_support_new", args=[eve_file.pk]),
        {"service": Service.objects.get(code="meal").pk, "given_on": day.isoformat()},
    )
    assert response.status_code == 200
    assert response.context["form"].errors["given_on"] == [message]
    assert day.isoformat() in response.content.decode()  # what was typed is kept
    assert not ServiceGiven.objects.exists()
    assert not AuditEntry.objects.filter(action="dropin.service_given").exists()


def test_without_a_service_chosen_nothing_is_recorded(alice, eve_file):
    response = post(
        alice,
        reverse("dropin_support_new", args=[eve_file.pk]),
        {"service": "", "given_on": timezone.localdate().isoformat()},
    )
    assert response.status_code == 200
    assert response.context["form"].errors["service"] == ["Choose the service given."]
    assert not ServiceGiven.objects.exists()


@pytest.mark.parametrize("name", ["dropin_support_new", "dropin_support_list"])
def test_only_her_social_workers_reach_her_services_given(
    name, eve_file, bea_peerworker, chloe_volunteer, dana_coordinator, mallory, eve_participant
):
    url = reverse(name, args=[eve_file.pk])
    meal = Service.objects.get(code="meal")
    data = {"service": meal.pk, "given_on": timezone.localdate().isoformat()}
    # Bea is her peer worker: not her appointments
    assert get(client_for(bea_peerworker), url).status_code == 403
    # Chloe is a volunteer: never her file
    assert get(client_for(chloe_volunteer), url).status_code == 403
    # Dana is a coordinator not assigned to her: the file does not exist for her
    assert get(client_for(dana_coordinator), url).status_code == 404
    for user in (eve_participant, mallory):
        assert get(client_for(user), url).status_code == 403
    if name == "dropin_support_new":
        assert post(client_for(bea_peerworker), url, data).status_code == 403
        assert post(client_for(chloe_volunteer), url, data).status_code == 403
        assert post(client_for(dana_coordinator), url, data).status_code == 404
        assert not ServiceGiven.objects.exists()


def test_her_services_given_are_listed_newest_first_at_the_drop_in_and_in_support(
    alice, alice_socialworker, chloe_volunteer, eve_file
):
    today = timezone.localdate()
    session = _session(chloe_volunteer, today - timedelta(days=3))
    shower = Service.objects.get(code="shower")
    visit_log(actor=chloe_volunteer, session=session, participant=eve_file, services=[shower])
    food = Service.objects.get(code="food_parcel")
    service_give(actor=alice_socialworker, participant=eve_file, service=food, day=today)
    response = get(alice, reverse("dropin_support_list", args=[eve_file.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert html.index("Food parcel") < html.index("Shower")
    assert "At the drop-in" in html and "Individual support" in html
    assert reverse("dropin_support_new", args=[eve_file.pk]) in html
    viewed = AuditEntry.objects.get(action="participant.viewed")
    assert viewed.participant_id == eve_file.pk
    assert viewed.payload["section"] == "services_given"


def test_another_persons_services_are_not_in_her_list(
    alice, alice_socialworker, chloe_volunteer, eve_file
):
    from cases.models import Participant

    other = Participant.objects.create(reference="SS-2026-0099", known_as="Lune")
    session = _session(chloe_volunteer)
    visit_log(
        actor=chloe_volunteer,
        session=session,
        participant=other,
        services=[Service.objects.get(code="laundry")],
    )
    visit_log(
        actor=chloe_volunteer, session=session, services=[Service.objects.get(code="clothes")]
    )
    html = get(alice, reverse("dropin_support_list", args=[eve_file.pk])).content.decode()
    assert "Laundry" not in html and "Clothes" not in html
    assert "No service given yet." in html


def _queries(client, url):
    with CaptureQueriesContext(connection) as captured:
        response = get(client, url)
    assert response.status_code == 200
    return len(captured)


def test_her_services_given_list_takes_a_constant_number_of_queries(
    alice, alice_socialworker, chloe_volunteer, eve_file
):
    url = reverse("dropin_support_list", args=[eve_file.pk])
    meal = Service.objects.get(code="meal")
    service_give(
        actor=alice_socialworker, participant=eve_file, service=meal, day=timezone.localdate()
    )
    one = _queries(alice, url)
    services = list(Service.objects.all()[:3])
    for days_ago in range(1, 9):
        session = _session(chloe_volunteer, timezone.localdate() - timedelta(days=days_ago))
        visit_log(actor=chloe_volunteer, session=session, participant=eve_file, services=services)
        service_give(
            actor=alice_socialworker,
            participant=eve_file,
            service=services[days_ago % 3],
            day=session.date,
        )
    assert ServiceGiven.objects.count() == 1 + 8 * 4
    assert _queries(alice, url) == one


def test_the_list_paginates_fifty_a_page(alice, alice_socialworker, eve_file):
    meal = Service.objects.get(code="meal")
    today = timezone.localdate()
    ServiceGiven.objects.bulk_create(
        ServiceGiven(
            service=meal, participant=eve_file, given_on=today, given_by=alice_socialworker
        )
        for _ in range(51)
    )
    url = reverse("dropin_support_list", args=[eve_file.pk])
    first = get(alice, url)
    assert len(first.context["page"].object_list) == 50
    assert "Page 1 of 2" in first.content.decode()
    assert len(get(alice, url + "?page=2").context["page"].object_list) == 1


def test_a_service_no_longer_offered_is_not_offered_but_stays_in_her_history(
    alice, alice_socialworker, chloe_volunteer, dana_coordinator, eve_file
):
    from dropin.forms import VisitForm
    from dropin.services import service_update

    locker = Service.objects.get(code="locker")
    service_give(
        actor=alice_socialworker, participant=eve_file, service=locker, day=timezone.localdate()
    )
    service_update(actor=dana_coordinator, service=locker, changes={"active": False})
    new_url = reverse("dropin_support_new", args=[eve_file.pk])
    assert "Locker" not in get(alice, new_url).content.decode()
    assert locker not in VisitForm().fields["services"].queryset
    response = post(
        alice, new_url, {"service": locker.pk, "given_on": timezone.localdate().isoformat()}
    )
    assert response.status_code == 200
    assert response.context["form"].errors["service"] == [
        "This service is no longer offered: choose another."
    ]
    assert ServiceGiven.objects.count() == 1
    history = get(alice, reverse("dropin_support_list", args=[eve_file.pk])).content.decode()
    assert "Locker" in history


def test_her_file_links_to_her_services_given_for_those_who_may_write_her_appointments(
    alice, bea_peerworker, eve_file
):
    link = reverse("dropin_support_list", args=[eve_file.pk])
    page = reverse("participant_detail", args=[eve_file.pk])
    html = get(alice, page).content.decode()
    assert link in html and "Services given" in html
    assert link not in get(client_for(bea_peerworker), page).content.decode()
