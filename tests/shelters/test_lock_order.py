"""Lock order on PostgreSQL: every row lock is taken before the audit entry (whose lock is
global), so a move, a departure, an admission and a request for a place never deadlock.

Each test holds one transaction at its most awkward point and lets the other run into it;
before the fix, PostgreSQL killed one of them with "deadlock detected"."""

import threading
from datetime import timedelta

import pytest
from django.db import connection, connections
from django.utils import timezone

from cases.models import Participant
from shelters import services
from shelters.models import Bed, Room, Shelter

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="row locks are PostgreSQL's (SQLite: one writer)"
    ),
]
WAIT = 3  # seconds a thread holds its position before giving up waiting for the other


def _house(name, kind="emergency"):
    shelter = Shelter.objects.create(name=name, kind=kind, address="x", max_stay_months=12)
    room = Room.objects.create(shelter=shelter, name="R")
    return [Bed.objects.create(room=room, label=f"B{n}") for n in range(2)]


def _race(*jobs):
    results = {}

    def run(name, job):
        try:
            job()
            results[name] = "ok"
        except Exception as error:  # noqa: BLE001 - the test reports what each one met
            results[name] = type(error).__name__
        finally:
            connections.close_all()

    threads = [threading.Thread(name=name, target=run, args=(name, job)) for name, job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def test_a_move_into_a_house_and_an_admission_to_it_both_succeed(
    alice_socialworker, dana_coordinator, monkeypatch
):
    first, second = _house("H1"), _house("H2", kind="transition")
    maria = Participant.objects.create(reference="SS-1", known_as="Maria")
    fatou = Participant.objects.create(reference="SS-2", known_as="Fatou")
    today = timezone.localdate()
    stay = services.stay_begin(actor=alice_socialworker, participant=maria, bed=first[0],
                               starts_on=today - timedelta(days=5))  # fmt: skip
    ended, claimed = threading.Event(), threading.Event()
    real_end, real_claim = services.stay_end, services._nights_claim

    def end_then_wait(**kwargs):  # the move has written its first audit entry
        done = real_end(**kwargs)
        ended.set()
        claimed.wait(WAIT)
        return done

    def claim_then_wait(stay, first_night, end):  # the admission holds its rows, not audited
        real_claim(stay, first_night, end)
        if threading.current_thread().name == "admit":
            ended.wait(WAIT)
            claimed.set()

    monkeypatch.setattr(services, "stay_end", end_then_wait)
    monkeypatch.setattr(services, "_nights_claim", claim_then_wait)
    results = _race(
        (
            "admit",
            lambda: services.stay_begin(
                actor=dana_coordinator, participant=fatou, bed=second[1], starts_on=today
            ),
        ),  # fmt: skip
        (
            "move",
            lambda: services.stay_move(
                actor=alice_socialworker, stay=stay, bed=second[0], moved_on=today
            ),
        ),  # fmt: skip
    )
    assert results == {"admit": "ok", "move": "ok"}


def test_her_departure_and_a_request_for_a_place_for_her_both_succeed(
    alice_socialworker, dana_coordinator, monkeypatch
):
    beds = _house("H1")
    maria = Participant.objects.create(reference="SS-1", known_as="Maria")
    today = timezone.localdate()
    stay = services.stay_begin(actor=alice_socialworker, participant=maria, bed=beds[0],
                               starts_on=today - timedelta(days=5))  # fmt: skip
    ended, locked = threading.Event(), threading.Event()
    real_schedule, real_audit = services.follow_ups_schedule, services.audit_record

    def schedule_late(**kwargs):
        ended.set()
        locked.wait(WAIT)
        return real_schedule(**kwargs)

    def audit_late(**kwargs):  # the request holds her file, not yet audited
        if threading.current_thread().name == "request":
            locked.set()
            ended.wait(WAIT)
        return real_audit(**kwargs)

    monkeypatch.setattr(services, "follow_ups_schedule", schedule_late)
    monkeypatch.setattr(services, "audit_record", audit_late)
    results = _race(
        (
            "request",
            lambda: services.admission_request_make(
                actor=dana_coordinator, participant=maria, urgency="soon"
            ),
        ),  # fmt: skip
        (
            "end",
            lambda: services.stay_end(
                actor=alice_socialworker, stay=stay, ended_on=today, exit_destination="own_housing"
            ),
        ),  # fmt: skip
    )
    assert results == {"request": "ok", "end": "ok"}


def test_two_moves_swapping_houses_both_succeed(alice_socialworker):
    first, second = _house("H1"), _house("H2", kind="transition")
    maria = Participant.objects.create(reference="SS-1", known_as="Maria")
    fatou = Participant.objects.create(reference="SS-2", known_as="Fatou")
    today = timezone.localdate()
    one = services.stay_begin(actor=alice_socialworker, participant=maria, bed=first[0],
                              starts_on=today - timedelta(days=5))  # fmt: skip
    two = services.stay_begin(actor=alice_socialworker, participant=fatou, bed=second[0],
                              starts_on=today - timedelta(days=5))  # fmt: skip
    results = _race(
        (
            "maria",
            lambda: services.stay_move(
                actor=alice_socialworker, stay=one, bed=second[1], moved_on=today
            ),
        ),  # fmt: skip
        (
            "fatou",
            lambda: services.stay_move(
                actor=alice_socialworker, stay=two, bed=first[1], moved_on=today
            ),
        ),  # fmt: skip
    )
    assert results == {"maria": "ok", "fatou": "ok"}
