"""The demo's two houses: a year of stays, moves, departures, follow-ups and a waiting list,
written through the services and the same every time."""

from collections import Counter
from datetime import timedelta
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import connection, transaction
from django.utils import timezone

from safespace.demo import demo_organisation_create
from safespace.models import AuditEntry
from shelters.models import AdmissionRequest, BedNight, FollowUp, Shelter, Stay
from shelters.services import months_later


@pytest.fixture
def demo(settings):
    settings.DEBUG = True
    call_command("seed_demo", stdout=StringIO())
    return get_user_model().objects.in_bulk(field_name="username")


def _limit(stay):
    return months_later(stay.starts_on, stay.bed.room.shelter.max_stay_months)


@pytest.mark.django_db
def test_the_demo_has_an_emergency_house_and_a_transition_house_with_their_staff(demo):
    houses = {house.name: house for house in Shelter.objects.prefetch_related("staff")}
    assert set(houses) == {"Les Tilleuls", "Résidence Ophélie"}
    tilleuls, ophelie = houses["Les Tilleuls"], houses["Résidence Ophélie"]
    assert (tilleuls.kind, tilleuls.max_stay_months) == (Shelter.Kind.EMERGENCY, 6)
    assert (ophelie.kind, ophelie.max_stay_months) == (Shelter.Kind.TRANSITION, 24)
    for house, rooms, beds in ((tilleuls, 2, 5), (ophelie, 3, 4)):
        assert house.rooms.count() == rooms
        assert sum(room.beds.count() for room in house.rooms.all()) == beds
        assert house.address.startswith("Fictional demo address")
    assert {user.username for user in tilleuls.staff.all()} == {"alice", "farah"}
    assert {user.username for user in ophelie.staff.all()} == {"bea"}
    assert list(Shelter.objects.visible_to(demo["bea"])) == [ophelie]
    assert not Shelter.objects.visible_to(demo["gwen"]).exists()
    with connection.cursor() as cursor:
        cursor.execute("SELECT address FROM shelters_shelter")
        stored = [row[0] for row in cursor.fetchall()]
    assert all(value.startswith("gAAAA") and "Nulle-Part" not in value for value in stored)


@pytest.mark.django_db
def test_the_demo_stays_fill_a_year_without_a_bed_held_twice_and_leave_beds_free_tonight(demo):
    today = timezone.localdate()
    stays = list(Stay.objects.select_related("bed__room__shelter"))
    assert len(stays) >= 20
    assert all(today - timedelta(days=366) <= s.starts_on <= today for s in stays)
    assert all(s.ended_on is None or s.ended_on <= today for s in stays)
    # every arrival and departure went through the services, which write the audit trail
    assert AuditEntry.objects.filter(action="shelter.stay_begun").count() == len(stays)
    ended = [s for s in stays if s.ended_on]
    assert AuditEntry.objects.filter(action="shelter.stay_ended").count() == len(ended)
    # one row per bed-night and per person-night, and each stay holds exactly its nights
    nights = BedNight.objects.values_list("bed_id", "night", "participant_id", "stay_id")
    assert len({(bed, night) for bed, night, _p, _s in nights}) == len(nights)
    assert len({(person, night) for _b, night, person, _s in nights}) == len(nights)
    held = Counter(stay for _b, _n, _p, stay in nights)
    for stay in stays:
        end = stay.ended_on or stay.expected_end_on or _limit(stay)
        assert held[stay.pk] == (end - stay.starts_on).days, stay
    # every night of the year, no house holds more women than it has beds
    capacity = {
        house.pk: sum(room.beds.count() for room in house.rooms.all())
        for house in Shelter.objects.prefetch_related("rooms__beds")
    }
    for days_back in range(366):
        night = today - timedelta(days=days_back)
        per_house = Counter(
            s.bed.room.shelter_id
            for s in stays
            if s.starts_on <= night and (s.ended_on is None or night < s.ended_on)
        )
        assert all(per_house[house] <= capacity[house] for house in capacity)
    tonight = Counter(s.bed.room.shelter.name for s in Stay.objects.open_on(today))
    assert 0 < tonight["Les Tilleuls"] < 5 and 0 < tonight["Résidence Ophélie"] < 4


@pytest.mark.django_db
def test_the_demo_has_a_stay_near_its_maximum_moves_and_every_exit_destination(demo):
    today = timezone.localdate()
    stays = list(Stay.objects.select_related("bed__room__shelter", "moved_from__bed__room"))
    open_tonight = [s for s in stays if s.ended_on is None]
    assert any(0 < (_limit(s) - today).days <= 60 for s in open_tonight)
    assert any(s.expected_end_on and s.expected_end_on <= today + timedelta(30) for s in stays)
    moves = [s for s in stays if s.moved_from_id]
    assert 2 <= len(moves) <= 6
    for stay in moves:
        assert stay.bed.room.shelter.kind == Shelter.Kind.TRANSITION
        assert stay.moved_from.bed.room.shelter.kind == Shelter.Kind.EMERGENCY
        assert stay.moved_from.ended_on == stay.starts_on
        assert stay.moved_from.exit_destination == Stay.ExitDestination.TRANSITION
    ended = [s for s in stays if s.ended_on]
    assert {s.exit_destination for s in ended} == set(Stay.ExitDestination.values)
    assert any(s.notes for s in ended)


@pytest.mark.django_db
def test_the_demo_departures_have_follow_ups_due_done_and_to_come(demo):
    today = timezone.localdate()
    departures = Stay.objects.filter(ended_on__isnull=False, moved_to__isnull=True)
    follow_ups = list(FollowUp.objects.select_related("stay"))
    assert Counter(f.stay_id for f in follow_ups) == dict.fromkeys(
        departures.values_list("pk", flat=True), 4
    )
    for follow_up in follow_ups:
        assert follow_up.due_on == months_later(follow_up.stay.ended_on, follow_up.months_after)
        assert follow_up.is_due == (follow_up.due_on <= today)
        assert follow_up.participant_id == follow_up.stay.participant_id
        if follow_up.done_on:
            assert follow_up.outcome and follow_up.done_by_id
            assert follow_up.due_on <= follow_up.done_on <= today
    done = [f for f in follow_ups if f.done_on]
    assert len(done) >= 10
    assert {f.outcome for f in done} >= {"stable", "needs_support"}
    assert any(f.is_due and not f.done_on for f in follow_ups)  # her worker's due list
    assert any(not f.is_due for f in follow_ups)


@pytest.mark.django_db
def test_the_demo_waiting_list_has_requests_waiting_offered_refused_and_admitted(demo):
    requests = list(AdmissionRequest.objects.all())
    statuses = Counter(r.status for r in requests)
    assert statuses["waiting"] == 2 and statuses["offered"] == 1 and statuses["refused"] == 1
    admitted = [r for r in requests if r.status == "admitted"]
    assert len(admitted) >= 3
    assert all(r.stays.get().participant_id == r.participant_id for r in admitted)
    refused = next(r for r in requests if r.status == "refused")
    assert refused.decided_on and refused.decision_reason
    today = timezone.localdate()
    housed = set(Stay.objects.open_on(today).values_list("participant_id", flat=True))
    assert not housed & {r.participant_id for r in requests if r.status == "waiting"}


class _Rollback(Exception):
    pass


def _snapshot():
    return (
        [
            (s.participant.reference, str(s.bed), s.starts_on, s.expected_end_on, s.ended_on,
             s.exit_destination, s.notes, s.moved_from_id is not None, s.admission_id is not None)
            for s in Stay.objects.select_related("participant", "bed__room__shelter")
            .order_by("bed__room__shelter__name", "bed__room__name", "bed__label", "starts_on")
        ],
        [
            (f.stay.starts_on, f.months_after, f.due_on, f.done_on, f.outcome, f.notes)
            for f in FollowUp.objects.select_related("stay").order_by("stay__starts_on", "due_on")
        ],
        sorted(
            (r.participant.reference, r.status, r.urgency, r.wished_kind, r.requested_on)
            for r in AdmissionRequest.objects.select_related("participant")
        ),
    )  # fmt: skip


@pytest.mark.django_db
def test_the_demo_houses_are_the_same_every_time(settings):
    settings.DEBUG = True
    snapshots = []
    for _run in range(2):
        with pytest.raises(_Rollback), transaction.atomic():
            demo_organisation_create(password="demo-pass-1234")
            snapshots.append(_snapshot())
            raise _Rollback
    assert snapshots[0] == snapshots[1]
    assert len(snapshots[0][0]) >= 20


@pytest.mark.django_db
def test_the_demo_houses_are_written_once(demo):
    from shelters.demo import shelters_create

    counts = [model.objects.count() for model in (Shelter, Stay, FollowUp, AdmissionRequest)]
    out = StringIO()
    call_command("seed_demo", "--if-empty", stdout=out)
    assert "already loaded" in out.getvalue()
    shelters_create(users=demo)
    assert [model.objects.count() for model in (Shelter, Stay, FollowUp, AdmissionRequest)] == (
        counts
    )
