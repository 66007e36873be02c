"""The houses: beds tonight, the next 30 days, the month bed by bed, the address revealed
one house at a time to the few who may see it, and the houses kept by coordinators."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from cases.models import Assignment, Participant
from safespace.models import AuditEntry
from shelters.models import Bed, Room, Shelter
from shelters.services import months_later, stay_begin
from tests.conftest import sign_in

ADDRESS = "PLANTED-HOUSE-5521 impasse des Glycines"


@pytest.fixture(autouse=True)
def _in_english():
    """Pages in English, whatever the default language (French)."""
    with translation.override("en"):
        yield


def _house(name="Les Tilleuls", beds=3, months=6, staff=()):
    shelter = Shelter.objects.create(
        name=name, kind="emergency", address=ADDRESS, max_stay_months=months
    )
    shelter.staff.set(staff)
    room = Room.objects.create(shelter=shelter, name="Room 1")
    for n in range(1, beds + 1):
        Bed.objects.create(room=room, label=f"Bed {n}")
    return shelter


def _beds(shelter):
    return list(Bed.objects.filter(room__shelter=shelter).order_by("label"))


def _woman(n, name):
    return Participant.objects.create(reference=f"SS-2026-{n:04d}", known_as=name)


def _client(user):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


@pytest.fixture
def today():
    return timezone.localdate()


@pytest.mark.django_db
def test_the_list_shows_each_house_with_its_free_and_taken_beds_and_never_its_address(
    alice_socialworker, today, django_assert_num_queries
):
    shelter = _house()
    stay_begin(
        actor=alice_socialworker,
        participant=_woman(1, "Maria"),
        bed=_beds(shelter)[0],
        starts_on=today,
    )
    client = _client(alice_socialworker)
    client.get(reverse("shelter_list"))
    with django_assert_num_queries(5) as captured:
        page = client.get(reverse("shelter_list")).content.decode()
    assert "Les Tilleuls" in page and "2 beds free" in page and "1 taken" in page
    assert ADDRESS not in page
    assert "address" not in " ".join(q["sql"] for q in captured.captured_queries).lower()
    _house("Résidence Ophélie")
    with django_assert_num_queries(5):
        client.get(reverse("shelter_list"))


@pytest.mark.django_db
def test_a_peer_worker_sees_only_the_houses_she_works_in(bea_peerworker):
    _house("Les Tilleuls", staff=[bea_peerworker])
    other = _house("Résidence Ophélie")
    client = _client(bea_peerworker)
    page = client.get(reverse("shelter_list")).content.decode()
    assert "Les Tilleuls" in page and "Résidence Ophélie" not in page
    assert client.get(reverse("shelter_detail", args=[other.pk])).status_code == 404


@pytest.mark.django_db
def test_volunteers_and_participants_see_no_house(chloe_volunteer, eve_participant):
    shelter = _house()
    for user in (chloe_volunteer, eve_participant):
        client = _client(user)
        assert client.get(reverse("shelter_list")).status_code == 403
        assert client.get(reverse("shelter_detail", args=[shelter.pk])).status_code == 403


@pytest.mark.django_db
def test_the_house_names_its_residents_only_to_its_staff_and_to_their_own_workers(
    alice_socialworker, bea_peerworker, dana_coordinator, eve_file, today
):
    from safespace.roles import Role
    from tests.factories import UserFactory

    shelter = _house(staff=[bea_peerworker])
    beds = _beds(shelter)
    stay_begin(actor=alice_socialworker, participant=eve_file, bed=beds[0], starts_on=today)
    stay_begin(
        actor=alice_socialworker, participant=_woman(7, "Ioana"), bed=beds[1], starts_on=today
    )
    url = reverse("shelter_detail", args=[shelter.pk])
    # Alice is not on the house's staff: Eve (her file) by name, the other woman as "Taken"
    page = _client(alice_socialworker).get(url).content.decode()
    assert "Soleil" in page and "Ioana" not in page and "Taken" in page
    for staff in (bea_peerworker, dana_coordinator):
        page = _client(staff).get(url).content.decode()
        assert "Soleil" in page and "Ioana" in page
    stranger = UserFactory(username="farah", role=Role.SOCIAL_WORKER)
    page = _client(stranger).get(url).content.decode()
    assert "Soleil" not in page and "Ioana" not in page and ADDRESS not in page


@pytest.mark.django_db
def test_the_house_page_shows_arrivals_departures_and_stays_near_the_maximum(
    dana_coordinator, alice_socialworker, today
):
    shelter = _house(months=6)
    beds = _beds(shelter)
    # arrived almost six months ago: reaches the maximum within 60 days
    long_ago = months_later(today, -6) + timedelta(days=20)
    stay_begin(
        actor=alice_socialworker, participant=_woman(1, "Maria"), bed=beds[0], starts_on=long_ago
    )
    stay_begin(
        actor=alice_socialworker,
        participant=_woman(2, "Fatou"),
        bed=beds[1],
        starts_on=today + timedelta(days=5),
        expected_end_on=today + timedelta(days=25),
    )
    page = _client(dana_coordinator).get(reverse("shelter_detail", args=[shelter.pk]))
    assert page.status_code == 200
    assert [s.participant.known_as for s in page.context["arrivals"]] == ["Fatou"]
    assert [s.participant.known_as for s in page.context["departures"]] == ["Fatou"]
    near = page.context["near_limit"]
    assert [s.participant.known_as for s in near] == ["Maria"]
    assert near[0].limit_on == months_later(long_ago, 6) and 0 < near[0].days_left <= 20
    assert "maximum stay reached on" in page.content.decode()
    assert page.context["free"] == 2  # Fatou arrives in five days: tonight her bed is free


@pytest.mark.django_db
def test_the_house_page_runs_the_same_queries_whatever_the_number_of_stays(
    dana_coordinator, alice_socialworker, today, django_assert_num_queries
):
    shelter = _house(beds=6)
    beds = _beds(shelter)
    client = _client(dana_coordinator)
    url = reverse("shelter_detail", args=[shelter.pk])
    stay_begin(actor=alice_socialworker, participant=_woman(1, "W1"), bed=beds[0], starts_on=today)
    client.get(url)
    with django_assert_num_queries(13) as first:
        client.get(url)
    for n in range(2, 6):
        stay_begin(
            actor=alice_socialworker,
            participant=_woman(n, f"W{n}"),
            bed=beds[n - 1],
            starts_on=today - timedelta(days=n),
            expected_end_on=today + timedelta(days=n),
        )
    with django_assert_num_queries(len(first.captured_queries)):
        client.get(url)


@pytest.mark.django_db
def test_the_month_shows_each_bed_night_after_night(dana_coordinator, alice_socialworker):
    from datetime import date

    shelter = _house(beds=2)
    beds = _beds(shelter)
    stay_begin(
        actor=alice_socialworker,
        participant=_woman(1, "Maria"),
        bed=beds[0],
        starts_on=date(2026, 3, 10),
        expected_end_on=date(2026, 3, 15),
    )
    response = _client(dana_coordinator).get(
        reverse("shelter_calendar", args=[shelter.pk]), {"month": "2026-03"}
    )
    month = response.context["month"]
    runs = [(run.nights, run.name) for run in month["rows"][0]["runs"]]
    assert runs == [(9, ""), (5, "Maria"), (17, "")]
    assert [run.nights for run in month["rows"][1]["runs"]] == [31]
    assert month["taken"] == 5 and month["rate"] == 8  # 5 of 62 bed-nights
    assert 'colspan="5"' in response.content.decode()


@pytest.mark.django_db
def test_a_month_that_cannot_be_read_shows_this_month_and_says_so(dana_coordinator):
    shelter = _house()
    response = _client(dana_coordinator).get(
        reverse("shelter_calendar", args=[shelter.pk]), {"month": "2026-13'--"}
    )
    assert response.status_code == 200
    assert response.context["month"]["first"] == timezone.localdate().replace(day=1)
    assert "could not be read" in response.content.decode()


# --- the address ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_address_needs_the_password_again(dana_coordinator):
    shelter = _house()
    response = _client(dana_coordinator).post(reverse("shelter_address", args=[shelter.pk]))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_reauthenticate"))
    assert not AuditEntry.objects.filter(action="shelter.address_revealed").exists()


@pytest.mark.django_db
def test_a_coordinator_reveals_one_address_on_purpose_and_the_reveal_is_recorded(
    dana_coordinator, password
):
    shelter = _house()
    _house("Résidence Ophélie")
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    sign_in(client, dana_coordinator, password)
    client.post(reverse("account_reauthenticate"), {"password": password})
    url = reverse("shelter_address", args=[shelter.pk])
    asked = client.get(url)
    assert asked.status_code == 200 and ADDRESS not in asked.content.decode()
    assert not AuditEntry.objects.filter(action="shelter.address_revealed").exists()
    shown = client.post(url)
    assert ADDRESS in shown.content.decode()
    assert shown.content.decode().count(ADDRESS) == 1  # one house, shown once
    assert "no-store" in shown["Cache-Control"]
    entry = AuditEntry.objects.get(action="shelter.address_revealed")
    assert entry.actor_id == dana_coordinator.pk and entry.target_id == str(shelter.pk)
    assert entry.payload == {}


@pytest.mark.django_db
def test_the_houses_own_staff_may_reveal_its_address_and_other_workers_may_not(
    alice_socialworker, bea_peerworker, password
):
    shelter = _house(staff=[bea_peerworker])
    bea = Client(HTTP_ACCEPT_LANGUAGE="en")
    sign_in(bea, bea_peerworker, password)
    bea.post(reverse("account_reauthenticate"), {"password": password})
    assert ADDRESS in bea.post(reverse("shelter_address", args=[shelter.pk])).content.decode()
    # Alice places women in every house but works in none: asked before any password
    alice = _client(alice_socialworker)
    assert alice.post(reverse("shelter_address", args=[shelter.pk])).status_code == 403
    assert ADDRESS not in alice.get(reverse("shelter_detail", args=[shelter.pk])).content.decode()


@pytest.mark.django_db
def test_the_address_is_stored_encrypted(dana_coordinator):
    shelter = _house()
    with connection.cursor() as cursor:
        cursor.execute("SELECT address FROM shelters_shelter WHERE id = %s", [shelter.pk])
        raw = cursor.fetchone()[0]
    assert "Glycines" not in raw and "5521" not in raw


# --- keeping the houses (coordinators) -----------------------------------------------------


@pytest.mark.django_db
def test_a_coordinator_opens_a_house_with_its_staff_and_the_audit_names_fields_only(
    dana_coordinator, bea_peerworker
):
    client = _client(dana_coordinator)
    response = client.post(
        reverse("shelter_new"),
        {
            "name": "Les Tilleuls",
            "kind": "emergency",
            "address": ADDRESS,
            "max_stay_months": "6",
            "staff": [bea_peerworker.pk],
            "active": "on",
        },
    )
    shelter = Shelter.objects.get()
    assert response["Location"] == reverse("shelter_beds", args=[shelter.pk])
    assert shelter.address == ADDRESS and list(shelter.staff.all()) == [bea_peerworker]
    entry = AuditEntry.objects.get(action="shelter.created")
    assert ADDRESS not in str(entry.payload) and "address" in entry.payload["fields"]


@pytest.mark.django_db
def test_changing_a_house_never_shows_its_address_and_keeps_it_when_left_empty(dana_coordinator):
    shelter = _house()
    client = _client(dana_coordinator)
    url = reverse("shelter_edit", args=[shelter.pk])
    assert ADDRESS not in client.get(url).content.decode()
    client.post(
        url,
        {
            "name": "Les Tilleuls",
            "kind": "emergency",
            "address": "",
            "max_stay_months": "9",
            "active": "on",
            "version": "1",
        },
    )
    shelter.refresh_from_db()
    assert shelter.address == ADDRESS and shelter.max_stay_months == 9
    assert AuditEntry.objects.get(action="shelter.changed").payload == {
        "fields": ["max_stay_months"]
    }


@pytest.mark.django_db
def test_a_stale_change_of_a_house_keeps_what_was_typed(dana_coordinator):
    shelter = _house()
    Shelter.objects.filter(pk=shelter.pk).update(version=2)
    response = _client(dana_coordinator).post(
        reverse("shelter_edit", args=[shelter.pk]),
        {
            "name": "Les Tilleuls Nord",
            "kind": "emergency",
            "address": "",
            "max_stay_months": "9",
            "active": "on",
            "version": "1",
        },
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "Someone else changed this house" in page and "Les Tilleuls Nord" in page
    assert Shelter.objects.get().name == "Les Tilleuls"


@pytest.mark.django_db
def test_bad_input_for_a_house_is_told_next_to_the_field(dana_coordinator):
    _house("Les Tilleuls")
    response = _client(dana_coordinator).post(
        reverse("shelter_new"),
        {"name": "Les Tilleuls", "kind": "castle", "address": "", "max_stay_months": "99"},
    )
    errors = response.context["form"].errors
    assert set(errors) >= {"kind", "address", "max_stay_months"}
    assert Shelter.objects.count() == 1


@pytest.mark.django_db
def test_rooms_and_beds_are_added_and_a_held_bed_cannot_be_taken_out_of_use(
    dana_coordinator, alice_socialworker, today
):
    shelter = _house(beds=1)
    client = _client(dana_coordinator)
    url = reverse("shelter_beds", args=[shelter.pk])
    client.post(url, {"room-name": "Flat B", "add_room": "1"})
    room = Room.objects.get(name="Flat B")
    client.post(url, {"bed-room": room.pk, "bed-label": "Bed 1", "add_bed": "1"})
    assert Bed.objects.filter(room=room, label="Bed 1").exists()
    taken = client.post(url, {"room-name": "Flat B", "add_room": "1"})
    assert "This name is taken already" in taken.content.decode()
    # the house's own bed, not the new one: both are labelled "Bed 1"
    bed = Bed.objects.get(room__shelter=shelter, room__name="Room 1")
    stay_begin(actor=alice_socialworker, participant=_woman(1, "Maria"), bed=bed, starts_on=today)
    refused = client.post(
        reverse("shelter_bed_active", args=[bed.pk]), {"active": "0"}, follow=True
    )
    assert "A stay holds this bed" in refused.content.decode()
    assert Bed.objects.get(pk=bed.pk).active
    spare = Bed.objects.get(room=room)
    client.post(reverse("shelter_bed_active", args=[spare.pk]), {"active": "0"})
    assert not Bed.objects.get(pk=spare.pk).active
    assert AuditEntry.objects.get(action="shelter.bed_changed").payload == {"status": "out_of_use"}


@pytest.mark.django_db
def test_only_coordinators_keep_the_houses(alice_socialworker):
    shelter = _house()
    client = _client(alice_socialworker)
    assert client.get(reverse("shelter_new")).status_code == 403
    assert client.get(reverse("shelter_edit", args=[shelter.pk])).status_code == 403
    assert client.get(reverse("shelter_beds", args=[shelter.pk])).status_code == 403
    assert Assignment.objects.count() == 0


@pytest.mark.django_db
def test_a_few_reveals_an_hour_and_then_the_address_waits(dana_coordinator, password):
    shelter = _house()
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    sign_in(client, dana_coordinator, password)
    client.post(reverse("account_reauthenticate"), {"password": password})
    url = reverse("shelter_address", args=[shelter.pk])
    for _n in range(5):
        assert ADDRESS in client.post(url).content.decode()
    sixth = client.post(url).content.decode()
    assert ADDRESS not in sixth and "Please wait a little" in sixth
    assert AuditEntry.objects.filter(action="shelter.address_revealed").count() == 5


@pytest.mark.django_db
def test_a_month_far_out_of_range_shows_this_month(dana_coordinator):
    shelter = _house()
    client = _client(dana_coordinator)
    for month in ("9999-12", "0001-01"):
        response = client.get(reverse("shelter_calendar", args=[shelter.pk]), {"month": month})
        assert response.status_code == 200 and "could not be read" in response.content.decode()


@pytest.mark.django_db
def test_a_move_to_another_bed_of_the_house_is_not_listed_as_a_departure(
    dana_coordinator, alice_socialworker, today
):
    from shelters.services import stay_move

    shelter = _house()
    beds = _beds(shelter)
    stay = stay_begin(actor=alice_socialworker, participant=_woman(1, "Maria"), bed=beds[0],
                      starts_on=today - timedelta(days=3))  # fmt: skip
    stay_move(actor=alice_socialworker, stay=stay, bed=beds[1], moved_on=today + timedelta(days=2))
    page = _client(dana_coordinator).get(reverse("shelter_detail", args=[shelter.pk]))
    assert page.context["departures"] == [] and page.context["arrivals"] == []
