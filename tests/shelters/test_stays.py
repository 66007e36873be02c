"""No double booking, ever: a bed holds one stay a night and a woman one bed a night,
refused by the database itself, and by row locks when two admissions race."""

import threading
from datetime import date, timedelta

import pytest
from django.db import IntegrityError, connection, connections, transaction

from cases.models import Participant
from safespace.models import AuditEntry
from shelters.models import Bed, BedNight, Room, Shelter, Stay
from shelters.services import (
    AlreadyHoused,
    BedTaken,
    StayTooLong,
    months_later,
    stay_begin,
    stay_end,
    stay_move,
)

DAY = date(2026, 11, 23)
ADDRESS = "Planted address: 12 rue des Lilas"


def _house(name, kind="emergency", beds=2, months=12):
    shelter = Shelter.objects.create(name=name, kind=kind, address=ADDRESS, max_stay_months=months)
    room = Room.objects.create(shelter=shelter, name="1")
    return [Bed.objects.create(room=room, label=f"Bed {n}") for n in range(1, beds + 1)]


@pytest.fixture
def beds(db):
    return _house("Les Tilleuls")


@pytest.fixture
def women(db):
    return [
        Participant.objects.create(reference=f"SS-2026-{n:04d}", known_as=name)
        for n, name in enumerate(["Maria", "Fatou", "Ioana"], start=1)
    ]


@pytest.mark.django_db
def test_a_stay_holds_one_night_row_per_night_until_its_expected_departure(
    alice_socialworker, beds, women
):
    stay = stay_begin(
        actor=alice_socialworker,
        participant=women[0],
        bed=beds[0],
        starts_on=DAY,
        expected_end_on=DAY + timedelta(days=10),
    )
    nights = list(stay.nights.order_by("night").values_list("night", flat=True))
    assert nights[0] == DAY and nights[-1] == DAY + timedelta(days=9) and len(nights) == 10
    entry = AuditEntry.objects.get(action="shelter.stay_begun")
    assert entry.participant_id == women[0].pk and entry.payload == {"kind": "emergency"}


@pytest.mark.django_db
def test_without_a_planned_departure_the_bed_is_held_to_the_maximum_stay(
    alice_socialworker, beds, women
):
    stay = stay_begin(actor=alice_socialworker, participant=women[0], bed=beds[0], starts_on=DAY)
    assert stay.nights.count() == (months_later(DAY, 12) - DAY).days
    with pytest.raises(StayTooLong):
        stay_begin(
            actor=alice_socialworker,
            participant=women[1],
            bed=beds[1],
            starts_on=DAY,
            expected_end_on=months_later(DAY, 12) + timedelta(days=1),
        )


@pytest.mark.django_db
def test_an_overlapping_stay_in_the_same_bed_is_refused_and_leaves_nothing_behind(
    alice_socialworker, beds, women
):
    stay_begin(
        actor=alice_socialworker,
        participant=women[0],
        bed=beds[0],
        starts_on=DAY,
        expected_end_on=DAY + timedelta(days=10),
    )
    with pytest.raises(BedTaken) as refused:
        stay_begin(
            actor=alice_socialworker,
            participant=women[1],
            bed=beds[0],
            starts_on=DAY + timedelta(days=9),
            expected_end_on=DAY + timedelta(days=20),
        )
    assert refused.value.message == BedTaken.message
    assert Stay.objects.count() == 1 and BedNight.objects.count() == 10


@pytest.mark.django_db
def test_a_woman_cannot_hold_two_beds_the_same_night(alice_socialworker, beds, women):
    stay_begin(
        actor=alice_socialworker,
        participant=women[0],
        bed=beds[0],
        starts_on=DAY,
        expected_end_on=DAY + timedelta(days=5),
    )
    with pytest.raises(AlreadyHoused):
        stay_begin(
            actor=alice_socialworker,
            participant=women[0],
            bed=beds[1],
            starts_on=DAY + timedelta(days=4),
            expected_end_on=DAY + timedelta(days=8),
        )


@pytest.mark.django_db
def test_back_to_back_stays_share_no_night(alice_socialworker, beds, women):
    first = stay_begin(
        actor=alice_socialworker,
        participant=women[0],
        bed=beds[0],
        starts_on=DAY,
        expected_end_on=DAY + timedelta(days=5),
    )
    # she leaves on the morning of the 5th day; the bed is free that night
    second = stay_begin(
        actor=alice_socialworker,
        participant=women[1],
        bed=beds[0],
        starts_on=DAY + timedelta(days=5),
    )
    assert first.nights.filter(night=DAY + timedelta(days=5)).count() == 0
    assert second.nights.filter(night=DAY + timedelta(days=5)).count() == 1


@pytest.mark.django_db
def test_the_database_itself_refuses_a_second_row_for_a_bed_night(alice_socialworker, beds, women):
    stay = stay_begin(
        actor=alice_socialworker,
        participant=women[0],
        bed=beds[0],
        starts_on=DAY,
        expected_end_on=DAY + timedelta(days=2),
    )
    other = Stay.objects.create(
        participant=women[1], bed=beds[0], starts_on=DAY, created_by=alice_socialworker
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        BedNight.objects.create(stay=other, bed=beds[0], participant=women[1], night=DAY)
    with pytest.raises(IntegrityError), transaction.atomic():
        BedNight.objects.create(stay=other, bed=beds[1], participant=women[0], night=DAY)
    assert stay.nights.count() == 2


@pytest.mark.django_db
def test_ending_a_stay_frees_the_bed_from_that_night(alice_socialworker, beds, women):
    stay = stay_begin(actor=alice_socialworker, participant=women[0], bed=beds[0], starts_on=DAY)
    stay_end(
        actor=alice_socialworker,
        stay=stay,
        ended_on=DAY + timedelta(days=3),
        exit_destination="own_housing",
    )
    assert stay.nights.count() == 3
    stay_begin(
        actor=alice_socialworker,
        participant=women[1],
        bed=beds[0],
        starts_on=DAY + timedelta(days=3),
    )
    entry = AuditEntry.objects.get(action="shelter.stay_ended")
    assert entry.payload == {"kind": "own_housing"}


@pytest.mark.django_db
def test_a_move_ends_one_stay_and_begins_the_next_the_same_day(alice_socialworker, beds, women):
    transition = _house("Studio Nord", kind="transition", beds=1, months=24)[0]
    stay = stay_begin(
        actor=alice_socialworker,
        participant=women[0],
        bed=beds[0],
        starts_on=DAY,
        expected_end_on=DAY + timedelta(days=60),
    )
    moved_on = DAY + timedelta(days=20)
    new = stay_move(actor=alice_socialworker, stay=stay, bed=transition, moved_on=moved_on)
    stay.refresh_from_db()
    assert (stay.ended_on, stay.exit_destination) == (moved_on, "transition")
    assert (new.starts_on, new.moved_from, new.expected_end_on) == (
        moved_on,
        stay,
        DAY + timedelta(days=60),
    )
    assert not BedNight.objects.filter(participant=women[0], night=moved_on, bed=beds[0]).exists()
    assert BedNight.objects.filter(participant=women[0], night=moved_on, bed=transition).exists()


def _race(target, arguments):
    """Run target(*args) for each args at the same moment, each in its own connection."""
    barrier = threading.Barrier(len(arguments))
    results = []

    def run(args):
        try:
            barrier.wait()
            results.append(("ok", target(*args)))
        except Exception as error:  # noqa: BLE001 - the outcome is what is tested
            results.append(("refused", error))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(args,)) for args in arguments]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


@pytest.mark.django_db(transaction=True)
def test_concurrent_admissions_to_the_same_bed_give_it_to_exactly_one(
    alice_socialworker, bea_peerworker, beds, women
):
    def admit(actor, woman):
        return stay_begin(
            actor=actor,
            participant=woman,
            bed=beds[0],
            starts_on=DAY,
            expected_end_on=DAY + timedelta(days=7),
        )

    results = _race(
        admit,
        [
            (alice_socialworker, women[0]),
            (bea_peerworker, women[1]),
            (alice_socialworker, women[2]),
        ],
    )
    outcomes = sorted(kind for kind, _ in results)
    assert outcomes == ["ok", "refused", "refused"], (connection.vendor, results)
    assert all(isinstance(error, BedTaken) for kind, error in results if kind == "refused")
    assert Stay.objects.count() == 1
    assert BedNight.objects.filter(bed=beds[0]).count() == 7


@pytest.mark.django_db(transaction=True)
def test_concurrent_admissions_of_the_same_woman_give_her_exactly_one_bed(
    alice_socialworker, bea_peerworker, beds, women
):
    def admit(actor, bed):
        return stay_begin(
            actor=actor,
            participant=women[0],
            bed=bed,
            starts_on=DAY,
            expected_end_on=DAY + timedelta(days=7),
        )

    results = _race(admit, [(alice_socialworker, beds[0]), (bea_peerworker, beds[1])])
    assert sorted(kind for kind, _ in results) == ["ok", "refused"], (connection.vendor, results)
    assert all(isinstance(error, AlreadyHoused) for kind, error in results if kind == "refused")
    assert BedNight.objects.filter(participant=women[0]).count() == 7


@pytest.mark.django_db
def test_a_stay_on_a_request_withdrawn_meanwhile_is_refused(alice_socialworker, beds, women):
    from shelters.models import AdmissionRequest
    from shelters.services import RequestNoLongerOpen, admission_request_make

    request = admission_request_make(actor=alice_socialworker, participant=women[0], urgency="soon")
    AdmissionRequest.objects.filter(pk=request.pk).update(status="withdrawn")
    with pytest.raises(RequestNoLongerOpen):
        stay_begin(actor=alice_socialworker, participant=women[0], bed=beds[0], starts_on=DAY,
                   admission=request)  # fmt: skip
    assert not Stay.objects.exists()
    other = admission_request_make(actor=alice_socialworker, participant=women[1], urgency="soon")
    stay = stay_begin(actor=alice_socialworker, participant=women[1], bed=beds[0], starts_on=DAY,
                      admission=other)  # fmt: skip
    other.refresh_from_db()
    assert other.status == "admitted" and stay.admission_id == other.pk


@pytest.mark.django_db
def test_a_move_within_the_house_keeps_counting_her_maximum_stay_from_her_arrival(
    alice_socialworker, women
):
    beds = _house("Les Lilas", beds=2, months=6)
    arrived = DAY - timedelta(days=150)
    first = stay_begin(actor=alice_socialworker, participant=women[0], bed=beds[0],
                       starts_on=arrived)  # fmt: skip
    moved = stay_move(actor=alice_socialworker, stay=first, bed=beds[1], moved_on=DAY)
    assert moved.limit_from == arrived
    assert Stay.objects.select_related("bed__room__shelter").get(pk=moved.pk).limit_on == (
        months_later(arrived, 6)
    )
    last = moved.nights.order_by("-night").values_list("night", flat=True).first()
    assert last == months_later(arrived, 6) - timedelta(days=1)
    # a move to another house starts that house's count afresh
    other = _house("Résidence Ophélie", kind="transition", beds=1, months=24)
    onward = stay_move(
        actor=alice_socialworker, stay=moved, bed=other[0], moved_on=DAY + timedelta(days=5)
    )
    assert onward.limit_from is None


@pytest.mark.django_db
def test_a_stay_beginning_after_the_houses_maximum_is_reached_is_refused(alice_socialworker, women):
    beds = _house("Les Lilas", beds=2, months=1)
    first = stay_begin(actor=alice_socialworker, participant=women[0], bed=beds[0],
                       starts_on=DAY - timedelta(days=40))  # fmt: skip
    with pytest.raises(StayTooLong):
        stay_move(actor=alice_socialworker, stay=first, bed=beds[1], moved_on=DAY)
