"""Sites and the services catalogue: kept by coordinators, never deleted, audited."""

from datetime import time

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from dropin.models import Service, Site
from dropin.services import (
    SiteNameTaken,
    service_create,
    service_update,
    session_open,
    site_create,
    site_update,
)
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
def dana(dana_coordinator):
    return client_for(dana_coordinator)


# --- Who may keep them ---


@pytest.mark.parametrize("name", ["dropin_sites", "dropin_services"])
def test_only_coordinators_keep_the_sites_and_the_catalogue(
    name, dana, alice_socialworker, bea_peerworker, chloe_volunteer, eve_participant
):
    url = reverse(name)
    assert get(dana, url).status_code == 200
    for user in (alice_socialworker, bea_peerworker, chloe_volunteer, eve_participant):
        assert get(client_for(user), url).status_code == 403
        assert post(client_for(user), url, {"name": "Somewhere"}).status_code == 403
    assert not Site.objects.filter(name="Somewhere").exists()


def test_the_desk_home_links_to_sites_and_services_for_coordinators_only(dana, chloe_volunteer):
    sites, services = reverse("dropin_sites"), reverse("dropin_services")
    html = get(dana, reverse("dropin_home")).content.decode()
    assert sites in html and services in html
    html = get(client_for(chloe_volunteer), reverse("dropin_home")).content.decode()
    assert sites not in html and services not in html


# --- Sites ---


def test_a_coordinator_adds_a_site_and_it_is_audited(dana, dana_coordinator):
    response = post(dana, reverse("dropin_sites"), {"name": "  Maison   Nord "})
    assert response.status_code == 302
    site = Site.objects.get()
    assert (site.name, site.active) == ("Maison Nord", True)
    entry = AuditEntry.objects.get(action="dropin.site_created")
    assert entry.payload == {"fields": ["name"]}
    assert (entry.actor_id, entry.target_id) == (dana_coordinator.pk, str(site.pk))
    assert "Maison Nord" in get(dana, reverse("dropin_sites")).content.decode()


def test_a_duplicate_site_name_is_told_next_to_the_field_whatever_its_case(dana):
    Site.objects.create(name="Maison Nord")
    response = post(dana, reverse("dropin_sites"), {"name": "maison nord"})
    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors["name"] == ["A site of this name exists already."]
    html = response.content.decode()
    assert "A site of this name exists already." in html
    assert 'value="maison nord"' in html  # what was typed is kept
    assert Site.objects.count() == 1
    assert not AuditEntry.objects.filter(action="dropin.site_created").exists()


def test_renaming_a_site_to_another_ones_name_is_refused(dana):
    Site.objects.create(name="Maison Nord")
    south = Site.objects.create(name="Maison Sud")
    response = post(
        dana, reverse("dropin_site_edit", args=[south.pk]), {"name": "MAISON NORD", "active": "on"}
    )
    assert response.status_code == 200
    assert "A site of this name exists already." in response.content.decode()
    south.refresh_from_db()
    assert south.name == "Maison Sud"


def test_two_coordinators_adding_the_same_site_at_once_get_a_message_not_an_error(
    dana_coordinator,
):
    site_create(actor=dana_coordinator, name="Maison Nord")
    with pytest.raises(SiteNameTaken):
        site_create(actor=dana_coordinator, name="Maison Nord")
    south = site_create(actor=dana_coordinator, name="Maison Sud")
    with pytest.raises(SiteNameTaken):
        site_update(actor=dana_coordinator, site=south, changes={"name": "Maison Nord"})
    assert AuditEntry.objects.filter(action="dropin.site_created").count() == 2
    assert not AuditEntry.objects.filter(action="dropin.site_updated").exists()


def test_a_site_with_sessions_is_renamed_or_put_out_of_use_never_deleted(dana, dana_coordinator):
    site = Site.objects.create(name="Maison Nord")
    session_open(
        actor=dana_coordinator,
        site=site,
        date=timezone.localdate(),
        opens_at=time(9),
        closes_at=time(12),
    )
    edit = reverse("dropin_site_edit", args=[site.pk])
    html = get(dana, edit).content.decode()
    assert "Delete" not in html
    response = post(dana, edit, {"name": "Maison du Nord"})  # "in use" unticked
    assert response.status_code == 302
    site.refresh_from_db()
    assert (site.name, site.active) == ("Maison du Nord", False)
    entry = AuditEntry.objects.get(action="dropin.site_updated")
    assert entry.payload == {"fields": ["active", "name"]}
    listing = get(dana, reverse("dropin_sites")).content.decode()
    assert "Maison du Nord" in listing and "No longer in use" in listing
    assert "1 session" in listing


def test_saving_a_site_unchanged_writes_no_audit_entry(dana_coordinator):
    site = Site.objects.create(name="Maison Nord")
    changed = site_update(
        actor=dana_coordinator, site=site, changes={"name": "Maison Nord", "active": True}
    )
    assert changed == []
    assert not AuditEntry.objects.filter(action="dropin.site_updated").exists()


def _queries(client, url):
    with CaptureQueriesContext(connection) as captured:
        response = get(client, url)
    assert response.status_code == 200
    return len(captured)


def test_the_sites_list_counts_sessions_in_a_constant_number_of_queries(dana, dana_coordinator):
    url = reverse("dropin_sites")
    first = Site.objects.create(name="Site 0")
    session_open(
        actor=dana_coordinator,
        site=first,
        date=timezone.localdate(),
        opens_at=time(9),
        closes_at=time(10),
    )
    one = _queries(dana, url)
    for number in range(1, 12):
        site = Site.objects.create(name=f"Site {number}")
        for hour in (9, 14):
            session_open(
                actor=dana_coordinator,
                site=site,
                date=timezone.localdate(),
                opens_at=time(hour),
                closes_at=time(hour + 2),
            )
    assert _queries(dana, url) == one
    html = get(dana, url).content.decode()
    assert "2 sessions" in html


# --- The services catalogue ---


def test_the_catalogue_is_grouped_under_category_headings_with_translated_labels(dana):
    Service.objects.filter(code="meal").update(name="Stored meal name")
    response = get(dana, reverse("dropin_services"))
    html = response.content.decode()
    assert "Food support" in html and "Psychological support" in html
    assert "Meal or coffee" in html
    assert html.index("Food support") < html.index("Meal or coffee") < html.index("Shower")
    assert "Stored meal name" not in html  # the label, never the stored name of a default


def test_the_catalogue_page_takes_a_constant_number_of_queries(dana, dana_coordinator):
    url = reverse("dropin_services")
    one = _queries(dana, url)
    for number in range(10):
        service_create(actor=dana_coordinator, name=f"Atelier {number}", category="learning")
    assert _queries(dana, url) == one


def test_a_coordinator_adds_a_service_of_our_own_and_it_is_audited(dana, dana_coordinator):
    response = post(
        dana,
        reverse("dropin_services"),
        {"name": " Atelier   couture ", "category": "learning", "position": "145"},
    )
    assert response.status_code == 302
    service = Service.objects.get(name="Atelier couture")
    assert (service.code, service.category, service.position, service.active) == (
        None,
        "learning",
        145,
        True,
    )
    entry = AuditEntry.objects.get(action="dropin.service_created")
    assert entry.payload == {"fields": ["category", "name", "position"]}
    assert (entry.actor_id, entry.target_id) == (dana_coordinator.pk, str(service.pk))


def test_a_service_needs_a_name_and_a_category_and_keeps_what_was_typed(dana):
    response = post(
        dana, reverse("dropin_services"), {"name": "", "category": "", "position": "abc"}
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert errors["name"] == ["Give the service a name."]
    assert errors["category"] == ["Choose its category."]
    assert "position" in errors
    assert 'value="abc"' in response.content.decode()


def test_a_service_already_in_the_catalogue_is_not_added_twice(dana):
    response = post(
        dana, reverse("dropin_services"), {"name": "shower", "category": "hygiene", "position": 1}
    )
    assert response.status_code == 200
    assert response.context["form"].errors["name"] == [
        "A service of this name is in the catalogue already."
    ]
    assert Service.objects.filter(name__iexact="shower").count() == 1


def test_a_default_service_cannot_be_renamed_a_posted_name_is_ignored(dana, dana_coordinator):
    meal = Service.objects.get(code="meal")
    url = reverse("dropin_service_edit", args=[meal.pk])
    page = get(dana, url).content.decode()
    assert "Named in each reader's language" in page
    assert "disabled" in page
    response = post(
        dana, url, {"name": "Soup", "category": "other", "position": "5", "active": "on"}
    )
    assert response.status_code == 302
    meal.refresh_from_db()
    assert (meal.name, meal.category, meal.position, meal.active) == (
        "Meal or coffee",
        "other",
        5,
        True,
    )
    entry = AuditEntry.objects.get(action="dropin.service_updated")
    assert entry.payload == {"fields": ["category", "position"]}
    # the service refuses it too, whoever calls it
    service_update(actor=dana_coordinator, service=meal, changes={"name": "Soup"})
    meal.refresh_from_db()
    assert meal.name == "Meal or coffee"


def test_a_service_of_our_own_can_be_renamed(dana, dana_coordinator):
    sewing = service_create(actor=dana_coordinator, name="Atelier couture", category="learning")
    response = post(
        dana,
        reverse("dropin_service_edit", args=[sewing.pk]),
        {"name": "Couture", "category": "learning", "position": "100", "active": "on"},
    )
    assert response.status_code == 302
    sewing.refresh_from_db()
    assert sewing.name == "Couture"
    entry = AuditEntry.objects.get(action="dropin.service_updated")
    assert entry.payload == {"fields": ["name"]}


def test_a_service_no_longer_offered_stays_in_the_catalogue_marked_so(dana):
    locker = Service.objects.get(code="locker")
    response = post(
        dana,
        reverse("dropin_service_edit", args=[locker.pk]),
        {"category": "other", "position": "70"},  # "offered" unticked
    )
    assert response.status_code == 302
    locker.refresh_from_db()
    assert locker.active is False
    assert AuditEntry.objects.get(action="dropin.service_updated").payload == {"fields": ["active"]}
    html = get(dana, reverse("dropin_services")).content.decode()
    assert "Locker" in html and "No longer offered" in html
