"""Stays from the screen: give her a place, move her, record that she left; her housing
section; and the word on the home pages ahead of a house's maximum stay."""

from datetime import timedelta

import pytest
from django.db import connection
from django.db.models import F
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cases.models import Assignment, Participant
from safespace.models import AuditEntry
from safespace.roles import Role
from shelters.models import AdmissionRequest, Bed, BedNight, Room, Shelter, Stay
from shelters.services import months_later, stay_begin, stay_end
from shelters.warnings import stays_near_their_limit
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

ADDRESS = "Planted address: 12 rue des Lilas"
OTHER_ADDRESS = "Planted address: 3 impasse des Roses"
NOTE = "Planted stay note: she went to her sister in Lyon"


def today():
    return timezone.localdate()


def iso(day):
    return day.isoformat()


def _client(user):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


@pytest.fixture
def alice(alice_socialworker):
    return _client(alice_socialworker)


@pytest.fixture
def dana(dana_coordinator):
    return _client(dana_coordinator)


def _house(name, address, *, beds=2, months=12, kind="emergency"):
    shelter = Shelter.objects.create(name=name, kind=kind, address=address, max_stay_months=months)
    room = Room.objects.create(shelter=shelter, name="Room 1")
    return [Bed.objects.create(room=room, label=f"Bed {n}") for n in range(1, beds + 1)]


@pytest.fixture
def tilleuls(db):
    return _house("Les Tilleuls", ADDRESS)


@pytest.fixture
def roses(db):
    return _house("Les Roses", OTHER_ADDRESS, kind="transition", months=24)


@pytest.fixture
def maria(db):
    """Another woman, in no one's caseload here."""
    return Participant.objects.create(reference="SS-2026-0101", known_as="Maria")


def admit_url(participant):
    return reverse("shelter_admit", args=[participant.pk])


def file_url(participant):
    return reverse("participant_detail", args=[participant.pk])


def place(participant, bed, *, actor, starts_on=None, **kwargs):
    return stay_begin(
        actor=actor, participant=participant, bed=bed, starts_on=starts_on or today(), **kwargs
    )


# --- Give her a place ---


def test_the_admit_form_groups_beds_by_house_and_says_which_are_free_tonight(
    alice, eve_file, tilleuls, roses, maria, dana_coordinator
):
    place(maria, tilleuls[0], actor=dana_coordinator)
    html = alice.get(admit_url(eve_file)).content.decode()
    assert '<optgroup label="Les Tilleuls">' in html and '<optgroup label="Les Roses">' in html
    assert "Les Tilleuls · Room 1 · Bed 1 (taken tonight)" in html
    assert "Les Tilleuls · Room 1 · Bed 2 (free tonight)" in html
    assert "Les Roses · Room 1 · Bed 1 (free tonight)" in html


def test_closed_houses_and_beds_out_of_use_are_not_offered(alice, eve_file, tilleuls, roses):
    Bed.objects.filter(pk=tilleuls[1].pk).update(active=False)
    Shelter.objects.filter(name="Les Roses").update(active=False)
    html = alice.get(admit_url(eve_file)).content.decode()
    assert "Bed 1 (free tonight)" in html
    assert "Les Tilleuls · Room 1 · Bed 2" not in html and "Les Roses" not in html


def test_alice_gives_eve_a_free_bed_and_lands_on_her_housing_section(alice, eve_file, tilleuls):
    starts = today()
    response = alice.post(
        admit_url(eve_file),
        {"bed": tilleuls[1].pk, "starts_on": iso(starts), "expected_end_on": ""},
        follow=True,
    )
    stay = Stay.objects.get(participant=eve_file)
    assert stay.bed == tilleuls[1] and stay.starts_on == starts and stay.expected_end_on is None
    assert response.redirect_chain[-1][0] == file_url(eve_file) + "#housing"
    html = response.content.decode()
    assert "She has a place from" in html
    assert "Her place now" in html and "Les Tilleuls" in html and "Bed 2" in html
    assert AuditEntry.objects.filter(action="shelter.stay_begun", participant_id=eve_file.pk)


def test_a_taken_bed_is_refused_next_to_the_bed_field_and_keeps_what_she_typed(
    alice, eve_file, tilleuls, maria, dana_coordinator
):
    starts, leaves = today() + timedelta(days=2), today() + timedelta(days=20)
    place(maria, tilleuls[0], actor=dana_coordinator)
    response = alice.post(
        admit_url(eve_file),
        {"bed": tilleuls[0].pk, "starts_on": iso(starts), "expected_end_on": iso(leaves)},
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors["bed"] == [
        "This bed is already taken on one of these nights. Choose another bed."
    ]
    html = response.content.decode()
    assert f'value="{iso(starts)}"' in html and f'value="{iso(leaves)}"' in html
    assert f'<option value="{tilleuls[0].pk}" selected>' in html
    assert not Stay.objects.filter(participant=eve_file).exists()


def test_a_second_bed_the_same_nights_is_refused_next_to_the_first_night(
    alice, alice_socialworker, eve_file, tilleuls
):
    place(eve_file, tilleuls[0], actor=alice_socialworker)
    response = alice.post(admit_url(eve_file), {"bed": tilleuls[1].pk, "starts_on": iso(today())})
    assert response.context["form"].errors["starts_on"] == [
        "She already has a bed on one of these nights. End or move that stay first."
    ]


def test_a_departure_beyond_the_house_maximum_is_refused_next_to_it(alice, eve_file, tilleuls):
    too_late = months_later(today(), 12) + timedelta(days=1)
    response = alice.post(
        admit_url(eve_file),
        {"bed": tilleuls[0].pk, "starts_on": iso(today()), "expected_end_on": iso(too_late)},
    )
    assert response.context["form"].errors["expected_end_on"] == [
        "This is longer than the house's maximum stay."
    ]


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"bed": "abc", "starts_on": "2026-02-30"},
        {"bed": "999999", "starts_on": "9999-12-31"},
        {"bed": "1", "starts_on": "0001-01-01", "expected_end_on": "9999-12-31"},
        {"bed": "1", "starts_on": "today", "admission": "abc"},
        {"bed": "1", "starts_on": "2026-01-01", "admission": "999999"},
    ],
)
def test_odd_input_is_answered_with_the_form_never_an_error(alice, eve_file, tilleuls, data):
    if data.get("bed") == "1":
        data = {**data, "bed": str(tilleuls[0].pk)}
    response = alice.post(admit_url(eve_file), data)
    assert response.status_code == 200
    assert response.context["form"].errors
    assert not Stay.objects.exists()


def test_a_date_more_than_a_year_away_is_questioned(alice, eve_file, tilleuls):
    far = today() + timedelta(days=400)
    response = alice.post(admit_url(eve_file), {"bed": tilleuls[0].pk, "starts_on": iso(far)})
    assert "more than a year away" in response.context["form"].errors["starts_on"][0]


def test_her_departure_must_come_after_her_first_night(alice, eve_file, tilleuls):
    response = alice.post(
        admit_url(eve_file),
        {"bed": tilleuls[0].pk, "starts_on": iso(today()), "expected_end_on": iso(today())},
    )
    assert response.context["form"].errors["expected_end_on"]


def test_her_request_for_a_place_is_prefilled_and_leaves_the_waiting_list(
    alice, alice_socialworker, eve_file, tilleuls
):
    request = AdmissionRequest.objects.create(
        participant=eve_file, requested_by=alice_socialworker, urgency="immediate"
    )
    html = alice.get(admit_url(eve_file) + f"?request={request.pk}").content.decode()
    assert f'name="admission" value="{request.pk}"' in html and "For her request of" in html
    alice.post(
        admit_url(eve_file),
        {"bed": tilleuls[0].pk, "starts_on": iso(today()), "admission": request.pk},
    )
    request.refresh_from_db()
    stay = Stay.objects.get(participant=eve_file)
    assert request.status == AdmissionRequest.Status.ADMITTED and stay.admission == request


def test_a_request_of_another_woman_or_already_decided_is_not_accepted(
    alice, alice_socialworker, eve_file, tilleuls, maria
):
    hers = AdmissionRequest.objects.create(
        participant=maria, requested_by=alice_socialworker, urgency="soon"
    )
    decided = AdmissionRequest.objects.create(
        participant=eve_file, requested_by=alice_socialworker, urgency="soon", status="refused"
    )
    for request in (hers, decided):
        html = alice.get(admit_url(eve_file) + f"?request={request.pk}").content.decode()
        assert f'name="admission" value="{request.pk}"' not in html
        response = alice.post(
            admit_url(eve_file),
            {"bed": tilleuls[0].pk, "starts_on": iso(today()), "admission": request.pk},
        )
        assert "no longer waiting" in response.context["form"].non_field_errors()[0]
    assert not Stay.objects.exists()
    hers.refresh_from_db()
    assert hers.status == AdmissionRequest.Status.WAITING


# --- Scope ---


def test_a_coordinator_not_assigned_to_her_is_told_her_file_is_not_there(
    dana, alice_socialworker, eve_file, tilleuls
):
    stay = place(eve_file, tilleuls[0], actor=alice_socialworker, starts_on=today() - timedelta(3))
    assert dana.get(admit_url(eve_file)).status_code == 404
    assert dana.post(admit_url(eve_file), {"bed": tilleuls[1].pk}).status_code == 404
    for name in ("shelter_stay_end", "shelter_stay_move"):
        assert dana.get(reverse(name, args=[stay.pk])).status_code == 404


def test_a_stay_of_a_woman_outside_her_caseload_is_not_there_for_alice(
    alice, dana_coordinator, tilleuls, maria
):
    stay = place(maria, tilleuls[0], actor=dana_coordinator, starts_on=today() - timedelta(3))
    for name in ("shelter_stay_end", "shelter_stay_move"):
        assert alice.get(reverse(name, args=[stay.pk])).status_code == 404
        assert alice.post(reverse(name, args=[stay.pk]), {}).status_code == 404
    assert alice.get(admit_url(maria)).status_code == 404


def test_her_peer_worker_does_not_place_her(bea_peerworker, eve_file, tilleuls):
    assert _client(bea_peerworker).get(admit_url(eve_file)).status_code == 403


# --- She leaves ---


@pytest.fixture
def eve_stay(alice_socialworker, eve_file, tilleuls):
    return place(eve_file, tilleuls[0], actor=alice_socialworker, starts_on=today() - timedelta(10))


def end_url(stay):
    return reverse("shelter_stay_end", args=[stay.pk])


def move_url(stay):
    return reverse("shelter_stay_move", args=[stay.pk])


def test_alice_records_that_eve_left_and_the_bed_is_free_that_night(alice, eve_file, eve_stay):
    html = alice.get(end_url(eve_stay)).content.decode()
    assert "Notes (only her workers see them)" in html and f'value="{iso(today())}"' in html
    response = alice.post(
        end_url(eve_stay),
        {
            "ended_on": iso(today()),
            "exit_destination": "family",
            "notes": NOTE,
            "version": eve_stay.version,
        },
    )
    assert response["Location"] == file_url(eve_file) + "#housing"
    eve_stay.refresh_from_db()
    assert (eve_stay.ended_on, eve_stay.exit_destination, eve_stay.notes) == (
        today(),
        "family",
        NOTE,
    )
    assert not BedNight.objects.filter(stay=eve_stay, night__gte=today()).exists()
    with connection.cursor() as cursor:
        cursor.execute("SELECT notes FROM shelters_stay WHERE id = %s", [eve_stay.pk])
        assert NOTE not in str(cursor.fetchone()[0])
    entry = AuditEntry.objects.get(action="shelter.stay_ended")
    assert NOTE not in str(entry.payload)
    html = alice.get(file_url(eve_file)).content.decode()
    assert "Family reintegration" in html and "Earlier stays" in html
    assert NOTE not in html  # her notes stay on the stay, not on the file page


def test_where_she_went_is_required_and_what_was_typed_stays(alice, eve_stay):
    response = alice.post(
        end_url(eve_stay), {"ended_on": iso(today()), "notes": NOTE, "version": eve_stay.version}
    )
    assert response.status_code == 200
    assert "exit_destination" in response.context["form"].errors
    assert NOTE in response.content.decode()
    eve_stay.refresh_from_db()
    assert eve_stay.ended_on is None


def test_she_cannot_leave_before_her_first_night_nor_after_her_place_ends(alice, eve_stay):
    for day in (eve_stay.starts_on, months_later(eve_stay.starts_on, 12) + timedelta(days=1)):
        response = alice.post(
            end_url(eve_stay),
            {"ended_on": iso(day), "exit_destination": "unknown", "version": eve_stay.version},
        )
        assert response.context["form"].errors["ended_on"]


def test_an_ended_stay_says_so_instead_of_failing(alice, alice_socialworker, eve_stay):
    stay_end(actor=alice_socialworker, stay=eve_stay, ended_on=today(), exit_destination="unknown")
    for url in (end_url(eve_stay), move_url(eve_stay)):
        response = alice.get(url)
        assert response.status_code == 200 and "This stay has already ended" in (
            response.content.decode()
        )
        response = alice.post(url, {"ended_on": iso(today()), "exit_destination": "family"})
        assert response.status_code == 200 and "This stay has already ended" in (
            response.content.decode()
        )


def test_a_stay_changed_since_the_form_opened_is_not_overwritten(alice, eve_stay):
    opened_at = eve_stay.version
    Stay.objects.filter(pk=eve_stay.pk).update(version=F("version") + 1)
    data = {"ended_on": iso(today()), "exit_destination": "family", "notes": NOTE}
    for version in (opened_at, "not-a-number"):
        response = alice.post(end_url(eve_stay), {**data, "version": version})
        assert response.status_code == 200
        assert "Someone else changed this stay" in response.context["form"].non_field_errors()[0]
        assert NOTE in response.content.decode()  # what she typed is still there
        assert f'name="version" value="{opened_at + 1}"' in response.content.decode()
    eve_stay.refresh_from_db()
    assert eve_stay.ended_on is None


# --- She moves ---


def test_alice_moves_eve_to_another_house(alice, eve_file, eve_stay, roses):
    html = alice.get(move_url(eve_stay)).content.decode()
    assert "Les Tilleuls · Room 1 · Bed 1 (" not in html  # not to the bed she is in
    response = alice.post(
        move_url(eve_stay),
        {"bed": roses[0].pk, "moved_on": iso(today()), "version": eve_stay.version},
    )
    assert response["Location"] == file_url(eve_file) + "#housing"
    eve_stay.refresh_from_db()
    moved = Stay.objects.get(moved_from=eve_stay)
    assert eve_stay.ended_on == today() and eve_stay.exit_destination == "transition"
    assert moved.bed == roses[0] and moved.starts_on == today() and moved.ended_on is None
    html = alice.get(file_url(eve_file)).content.decode()
    assert "Les Roses" in html and "Transition apartment" in html


def test_a_move_to_a_taken_bed_is_refused_next_to_the_bed_field(
    alice, eve_stay, tilleuls, maria, dana_coordinator
):
    place(maria, tilleuls[1], actor=dana_coordinator)
    tomorrow = today() + timedelta(days=1)
    response = alice.post(
        move_url(eve_stay),
        {"bed": tilleuls[1].pk, "moved_on": iso(tomorrow), "version": eve_stay.version},
    )
    assert response.context["form"].errors["bed"] == [
        "This bed is already taken on one of these nights. Choose another bed."
    ]
    assert f'value="{iso(tomorrow)}"' in response.content.decode()
    eve_stay.refresh_from_db()
    assert eve_stay.ended_on is None and BedNight.objects.filter(stay=eve_stay).count() > 300


def test_a_move_on_or_before_her_first_night_is_refused(alice, eve_stay, roses):
    response = alice.post(
        move_url(eve_stay),
        {"bed": roses[0].pk, "moved_on": iso(eve_stay.starts_on), "version": eve_stay.version},
    )
    assert response.context["form"].errors["moved_on"]


# --- Her housing section ---


def test_a_peer_worker_is_told_where_she_lives_is_not_for_her(bea_peerworker, eve_stay, eve_file):
    html = _client(bea_peerworker).get(file_url(eve_file)).content.decode()
    assert "Where she lives is for her social workers only." in html
    assert "Les Tilleuls" not in html


def test_a_woman_without_a_place_is_offered_one(alice, eve_file):
    html = alice.get(file_url(eve_file)).content.decode()
    assert 'id="housing"' in html and "She has no place in a house at the moment." in html
    assert admit_url(eve_file) in html


def test_the_housing_section_costs_the_same_queries_for_one_or_many_stays(
    alice, alice_socialworker, eve_file, tilleuls, roses, django_assert_num_queries
):
    start = today() - timedelta(days=200)
    stay = place(eve_file, tilleuls[0], actor=alice_socialworker, starts_on=start)
    alice.get(file_url(eve_file))
    with CaptureQueriesContext(connection) as few:
        alice.get(file_url(eve_file))
    for n in range(1, 12):  # eleven moves, between the two houses
        bed = (roses if n % 2 else tilleuls)[0]
        stay = Stay.objects.get(pk=stay.pk)
        from shelters.services import stay_move

        stay = stay_move(
            actor=alice_socialworker, stay=stay, bed=bed, moved_on=start + timedelta(days=n * 10)
        )
    with django_assert_num_queries(len(few.captured_queries)):
        html = alice.get(file_url(eve_file)).content.decode()
    assert (
        html.count("moved to another bed")
        + html.count("Another service")
        + html.count("Transition apartment")
        >= 11
    )


def test_her_place_says_when_her_maximum_stay_ends_calmly_from_sixty_days(
    alice, alice_socialworker, eve_file, tilleuls
):
    start = months_later(today() + timedelta(days=40), -12)
    place(eve_file, tilleuls[0], actor=alice_socialworker, starts_on=start)
    html = alice.get(file_url(eve_file)).content.decode()
    limit = months_later(start, 12)
    days = (limit - today()).days
    assert "Her maximum stay ends" in html
    assert f"in {days} days). Time to plan what comes next with her." in html


def test_no_word_about_the_maximum_while_it_is_far(alice, alice_socialworker, eve_file, tilleuls):
    place(eve_file, tilleuls[0], actor=alice_socialworker, starts_on=today())
    html = alice.get(file_url(eve_file)).content.decode()
    assert "Time to plan what comes next" not in html


# --- Stays near the house's maximum, on the home pages ---


@pytest.fixture
def near_limits(alice_socialworker, eve_file, tilleuls, roses, maria, dana_coordinator):
    """Eve's stay reaches its maximum in about 25 days, Maria's in about 50, Fatou's in 200."""
    fatou = Participant.objects.create(reference="SS-2026-0102", known_as="Fatou")
    eve = place(
        eve_file,
        tilleuls[0],
        actor=alice_socialworker,
        starts_on=months_later(today() + timedelta(days=25), -12),
    )
    maria_stay = place(
        maria,
        roses[0],
        actor=dana_coordinator,
        starts_on=months_later(today() + timedelta(days=50), -24),
    )
    place(fatou, tilleuls[1], actor=dana_coordinator, starts_on=today() - timedelta(days=30))
    return {"eve": eve, "maria": maria_stay}


def test_stays_near_their_limit_are_marked_thirty_or_sixty_days_and_sorted(
    dana_coordinator, near_limits
):
    rows = stays_near_their_limit(dana_coordinator)
    assert [(row.stay.pk, row.level) for row in rows] == [
        (near_limits["eve"].pk, "30"),
        (near_limits["maria"].pk, "60"),
    ]
    assert rows[0].limit == months_later(near_limits["eve"].starts_on, 12)
    # sixty-one days before the limit, nothing yet; on the day, still said
    limit = rows[1].limit
    assert near_limits["maria"].pk not in {
        row.stay.pk
        for row in stays_near_their_limit(dana_coordinator, today=limit - timedelta(days=61))
    }
    assert near_limits["maria"].pk in {
        row.stay.pk for row in stays_near_their_limit(dana_coordinator, today=limit)
    }


def test_ended_stays_raise_no_warning(dana_coordinator, alice_socialworker, near_limits):
    stay_end(
        actor=alice_socialworker,
        stay=near_limits["eve"],
        ended_on=today(),
        exit_destination="own_housing",
    )
    assert [row.stay.pk for row in stays_near_their_limit(dana_coordinator)] == [
        near_limits["maria"].pk
    ]


def test_the_coordinator_sees_every_house_near_its_limit(dana, near_limits):
    html = dana.get(reverse("home")).content.decode()
    assert "Stays near their maximum" in html
    assert "Soleil" in html and "Maria" in html and "Fatou" not in html
    assert "her stay at Les Tilleuls reaches its maximum on" in html
    assert "her stay at Les Roses reaches its maximum on" in html
    assert "less than a month left" in html


def test_the_key_worker_sees_only_the_women_she_is_key_worker_of(alice, near_limits):
    html = alice.get(reverse("home")).content.decode()
    assert "Soleil" in html and "Les Tilleuls" in html
    assert "Maria" not in html and "Les Roses" not in html


def test_another_social_worker_supporting_her_is_not_warned(eve_file, near_limits):
    sofia = UserFactory(username="sofia_socialworker", role=Role.SOCIAL_WORKER)
    Assignment.objects.create(participant=eve_file, worker=sofia, kind=Assignment.Kind.SUPPORT)
    assert stays_near_their_limit(sofia) == []
    html = _client(sofia).get(reverse("home")).content.decode()
    assert "Stays near their maximum" not in html


def test_an_ended_key_worker_assignment_ends_the_warning(alice_socialworker, eve_file, near_limits):
    eve_file.assignments.filter(worker=alice_socialworker).update(ended_at=timezone.now())
    assert stays_near_their_limit(alice_socialworker) == []


def test_peer_workers_and_volunteers_are_not_warned(bea_peerworker, chloe_volunteer, near_limits):
    assert stays_near_their_limit(bea_peerworker) == []
    assert stays_near_their_limit(chloe_volunteer) == []


@pytest.mark.parametrize("who", ["dana", "alice"])
def test_the_warnings_cost_the_same_queries_for_two_or_twenty_stays(
    who, request, near_limits, tilleuls, dana_coordinator, alice_socialworker, eve_file,
    django_assert_num_queries,
):  # fmt: skip
    client = request.getfixturevalue(who)
    client.get(reverse("home"))
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("home"))
    room = Room.objects.create(shelter=tilleuls[0].room.shelter, name="Room 2")
    for n in range(18):
        woman = Participant.objects.create(reference=f"SS-2026-09{n:02d}", known_as=f"Woman {n}")
        Assignment.objects.create(
            participant=woman, worker=alice_socialworker, kind=Assignment.Kind.KEY_WORKER
        )
        place(
            woman,
            Bed.objects.create(room=room, label=f"Bed {n}"),
            actor=dana_coordinator,
            starts_on=months_later(today() + timedelta(days=n + 1), -12),
        )
    with django_assert_num_queries(len(few.captured_queries)):
        html = client.get(reverse("home")).content.decode()
    assert "Woman 17" in html


# --- The address never shows ---


def test_the_address_is_on_none_of_these_pages(
    alice, dana, alice_socialworker, eve_file, tilleuls, roses, maria, dana_coordinator
):
    place(maria, tilleuls[1], actor=dana_coordinator)
    stay = place(
        eve_file,
        tilleuls[0],
        actor=alice_socialworker,
        starts_on=months_later(today() + timedelta(days=20), -12),
    )
    pages = [
        alice.get(admit_url(eve_file)),
        alice.post(admit_url(eve_file), {"bed": tilleuls[1].pk, "starts_on": iso(today())}),
        alice.get(end_url(stay)),
        alice.post(end_url(stay), {"ended_on": "x"}),
        alice.get(move_url(stay)),
        alice.post(move_url(stay), {"bed": tilleuls[1].pk, "moved_on": iso(today())}),
        alice.get(file_url(eve_file)),
        alice.get(reverse("home")),
        dana.get(reverse("home")),
    ]
    for response in pages:
        html = response.content.decode()
        assert response.status_code == 200
        assert "Planted address" not in html and "rue des Lilas" not in html
        assert "impasse des Roses" not in html
    assert "Les Tilleuls" in pages[-1].content.decode()  # the house is named, never located


def test_giving_her_a_place_from_her_file_answers_her_open_request(alice, eve_file, tilleuls):
    from shelters.services import admission_request_make

    request = admission_request_make(
        actor=eve_file.assignments.first().worker, participant=eve_file, urgency="soon"
    )
    form = alice.get(admit_url(eve_file)).context["form"]
    assert form.initial["admission"] == request.pk
    alice.post(
        admit_url(eve_file),
        {"bed": tilleuls[0].pk, "starts_on": iso(today()), "admission": request.pk},
    )
    assert AdmissionRequest.objects.get(pk=request.pk).status == "admitted"


def test_a_departure_cannot_be_recorded_before_she_has_left(alice, eve_file, tilleuls):
    stay = place(eve_file, tilleuls[0], actor=eve_file.assignments.first().worker,
                 starts_on=today() - timedelta(days=5))  # fmt: skip
    response = alice.post(
        reverse("shelter_stay_end", args=[stay.pk]),
        {"ended_on": iso(today() + timedelta(days=3)), "exit_destination": "own_housing",
         "version": stay.version},
    )  # fmt: skip
    assert "ended_on" in response.context["form"].errors
    assert Stay.objects.get(pk=stay.pk).ended_on is None


def test_her_departure_pushed_back_holds_the_bed_longer_and_brought_forward_frees_it(
    alice, eve_file, tilleuls
):
    stay = place(eve_file, tilleuls[0], actor=eve_file.assignments.first().worker,
                 expected_end_on=today() + timedelta(days=5))  # fmt: skip
    url = reverse("shelter_stay_departure", args=[stay.pk])
    later = today() + timedelta(days=9)
    response = alice.post(url, {"expected_end_on": iso(later), "version": stay.version})
    assert response.status_code == 302
    stay.refresh_from_db()
    assert stay.expected_end_on == later and stay.nights.count() == 9
    assert AuditEntry.objects.filter(action="shelter.stay_changed").get().payload == {
        "fields": ["expected_end_on"]
    }
    sooner = today() + timedelta(days=2)
    alice.post(url, {"expected_end_on": iso(sooner), "version": stay.version})
    assert Stay.objects.get(pk=stay.pk).nights.count() == 2
    # the freed nights can be given to someone else; pushing back again is then refused
    other = Participant.objects.create(reference="SS-2026-0777", known_as="Rose")
    place(other, tilleuls[0], actor=eve_file.assignments.first().worker,
          starts_on=today() + timedelta(days=3))  # fmt: skip
    stay.refresh_from_db()
    refused = alice.post(url, {"expected_end_on": iso(later), "version": stay.version})
    assert refused.context["form"].errors["expected_end_on"]
    assert Stay.objects.get(pk=stay.pk).nights.count() == 2


def test_a_stay_past_its_nights_is_listed_as_a_departure_to_record(
    alice, alice_socialworker, dana, eve_file, tilleuls
):
    from shelters.warnings import departures_to_record

    stay = place(eve_file, tilleuls[0], actor=alice_socialworker,
                 starts_on=today() - timedelta(days=10),
                 expected_end_on=today() - timedelta(days=2))  # fmt: skip
    assert [s.pk for s in departures_to_record(alice_socialworker)] == [stay.pk]
    page = dana.get(reverse("shelter_detail", args=[tilleuls[0].room.shelter_id]))
    assert [s.pk for s in page.context["to_record"]] == [stay.pk]
    assert "Departures to record" in alice.get(reverse("home")).content.decode()
