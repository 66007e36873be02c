"""Appointments: planned with a worker assigned to her, then closed once (took place, missed,
cancelled) under a row lock."""

import json
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cases.models import Appointment, Participant
from cases.services import AppointmentNotPlanned, appointment_plan, appointment_status_set
from safespace.models import AuditEntry

pytestmark = pytest.mark.django_db

PURPOSE = "Planted purpose: prepare her complaint against the man at the station"


def client_for(user):
    client = Client()
    client.force_login(user)
    return client


def get(client, url, **params):
    return client.get(url, params, HTTP_ACCEPT_LANGUAGE="en")


def post(client, url, data):
    return client.post(url, data, HTTP_ACCEPT_LANGUAGE="en")


def local(when):
    return timezone.localtime(when)


def plan_data(worker, when, purpose=""):
    when = local(when)
    return {
        "worker": worker.pk,
        "starts_at_0": when.strftime("%Y-%m-%d"),
        "starts_at_1": when.strftime("%H:%M"),
        "purpose": purpose,
    }


def make(worker, participant, when, status="planned", purpose=""):
    return Appointment.objects.create(
        participant=participant,
        worker=worker,
        created_by=worker,
        starts_at=when,
        status=status,
        purpose=purpose,
    )


def test_the_form_offers_the_workers_assigned_to_her_and_defaults_to_me(
    alice_socialworker, bea_peerworker, dana_coordinator, eve_file
):
    response = get(
        client_for(alice_socialworker), reverse("participant_appointment_new", args=[eve_file.pk])
    )
    field = response.context["form"]["worker"]
    assert set(field.field.queryset) == {alice_socialworker, bea_peerworker}
    assert field.value() == alice_socialworker.pk
    html = response.content.decode()
    assert 'type="date"' in html and 'type="time"' in html


def test_planning_an_appointment_is_audited_without_its_purpose(
    alice_socialworker, bea_peerworker, eve_file
):
    when = timezone.now() + timedelta(days=2)
    response = post(
        client_for(alice_socialworker),
        reverse("participant_appointment_new", args=[eve_file.pk]),
        plan_data(bea_peerworker, when, PURPOSE),
    )
    assert response.status_code == 302
    assert response["Location"].endswith("#appointments")
    appointment = Appointment.objects.get()
    assert appointment.worker == bea_peerworker
    assert appointment.created_by == alice_socialworker
    assert appointment.purpose == PURPOSE
    assert appointment.status == "planned"
    assert local(appointment.starts_at).strftime("%Y-%m-%d %H:%M") == local(when).strftime(
        "%Y-%m-%d %H:%M"
    )
    entry = AuditEntry.objects.get(action="appointment.planned")
    assert entry.payload == {}
    assert entry.target_id == str(appointment.pk)
    assert "complaint" not in json.dumps(list(AuditEntry.objects.values()), default=str)


def test_the_purpose_is_encrypted_in_the_database(alice_socialworker, eve_file):
    appointment = make(alice_socialworker, eve_file, timezone.now(), purpose=PURPOSE)
    with connection.cursor() as cursor:
        cursor.execute("SELECT purpose FROM cases_appointment WHERE id = %s", [appointment.pk])
        assert "complaint" not in cursor.fetchone()[0]


@pytest.mark.parametrize(
    ("changes", "error"),
    [
        ({"starts_at_0": "2020-01-01"}, "This time has passed."),
        ({"starts_at_0": "2026-02-31"}, "Enter a valid date."),
        ({"starts_at_1": "25:99"}, "Enter a valid time."),
        ({"starts_at_0": "", "starts_at_1": ""}, "This field is required."),
        ({"starts_at_0": "2999-01-01"}, "Please check the year."),
        ({"purpose": "x" * 10_000_000}, "at most 2000 characters"),
        ({"worker": "999999"}, "Select a valid choice."),
    ],
)
def test_bad_input_is_refused_next_to_the_field_and_keeps_what_was_typed(
    alice_socialworker, eve_file, changes, error
):
    data = plan_data(alice_socialworker, timezone.now() + timedelta(days=1), "Kept: her lawyer")
    response = post(
        client_for(alice_socialworker),
        reverse("participant_appointment_new", args=[eve_file.pk]),
        data | changes,
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert error in html
    if "purpose" not in changes:
        assert "Kept: her lawyer" in html
    assert not Appointment.objects.exists()


def test_a_worker_not_assigned_to_her_cannot_be_chosen(
    alice_socialworker, dana_coordinator, eve_file
):
    response = post(
        client_for(alice_socialworker),
        reverse("participant_appointment_new", args=[eve_file.pk]),
        plan_data(dana_coordinator, timezone.now() + timedelta(days=1)),
    )
    assert "Select a valid choice." in response.content.decode()
    with pytest.raises(ValueError):
        appointment_plan(
            actor=alice_socialworker,
            participant=eve_file,
            worker=dana_coordinator,
            starts_at=timezone.now() + timedelta(days=1),
        )
    assert not Appointment.objects.exists()


@pytest.mark.parametrize("status", ["done", "missed", "cancelled"])
def test_a_planned_appointment_is_closed_once_and_audited(alice_socialworker, eve_file, status):
    appointment = make(alice_socialworker, eve_file, timezone.now() - timedelta(hours=1))
    client = client_for(alice_socialworker)
    url = reverse("participant_appointment_status", args=[eve_file.pk, appointment.pk])
    response = post(client, url, {"status": status})
    assert response.status_code == 302
    appointment.refresh_from_db()
    assert appointment.status == status
    entry = AuditEntry.objects.get(action="appointment.status_changed")
    assert entry.payload == {"status": status}
    # a second change is refused: the first answer stands
    other = "missed" if status != "missed" else "done"
    response = client.post(url, {"status": other}, follow=True, HTTP_ACCEPT_LANGUAGE="en")
    assert "already set" in response.content.decode()
    appointment.refresh_from_db()
    assert appointment.status == status
    assert AuditEntry.objects.filter(action="appointment.status_changed").count() == 1


def test_the_service_refuses_to_close_twice_or_reopen(alice_socialworker, eve_file):
    appointment = make(alice_socialworker, eve_file, timezone.now())
    appointment_status_set(actor=alice_socialworker, appointment=appointment, status="done")
    with pytest.raises(AppointmentNotPlanned):
        appointment_status_set(actor=alice_socialworker, appointment=appointment, status="missed")
    with pytest.raises(ValueError):
        appointment_status_set(actor=alice_socialworker, appointment=appointment, status="planned")


@pytest.mark.parametrize("status", ["", "planned", "<script>"])
def test_a_bad_status_changes_nothing(alice_socialworker, eve_file, status):
    appointment = make(alice_socialworker, eve_file, timezone.now())
    response = client_for(alice_socialworker).post(
        reverse("participant_appointment_status", args=[eve_file.pk, appointment.pk]),
        {"status": status},
        follow=True,
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert "Choose how the appointment went." in response.content.decode()
    appointment.refresh_from_db()
    assert appointment.status == "planned"


def test_an_appointment_of_another_file_is_not_found_through_hers(alice_socialworker, eve_file):
    other = Participant.objects.create(reference="SS-2026-0099", known_as="Other")
    appointment = make(alice_socialworker, other, timezone.now())
    response = client_for(alice_socialworker).post(
        reverse("participant_appointment_status", args=[eve_file.pk, appointment.pk]),
        {"status": "done"},
    )
    assert response.status_code == 404
    appointment.refresh_from_db()
    assert appointment.status == "planned"


def test_the_file_shows_upcoming_and_the_last_five_past(alice_socialworker, eve_file):
    now = timezone.now()
    for days in range(1, 4):
        make(alice_socialworker, eve_file, now + timedelta(days=days), purpose=f"coming {days}")
    for days in range(1, 9):
        make(alice_socialworker, eve_file, now - timedelta(days=days), purpose=f"past {days}")
    response = get(
        client_for(alice_socialworker), reverse("participant_detail", args=[eve_file.pk])
    )
    section = response.context["appointments"]
    assert [a.purpose for a in section["upcoming"]] == ["coming 1", "coming 2", "coming 3"]
    assert [a.purpose for a in section["past"]] == [f"past {days}" for days in range(1, 6)]
    html = response.content.decode()
    assert "past 6" not in html
    assert "Took place" in html and "Missed" in html  # the buttons to close one


def test_a_peer_worker_sees_neither_appointments_nor_their_purpose(
    bea_peerworker, alice_socialworker, eve_file
):
    appointment = make(
        bea_peerworker, eve_file, timezone.now() + timedelta(days=1), purpose=PURPOSE
    )
    client = client_for(bea_peerworker)
    html = get(client, reverse("participant_detail", args=[eve_file.pk])).content.decode()
    assert "Her appointments are for her social workers only." in html
    assert "complaint" not in html
    response = client.post(
        reverse("participant_appointment_status", args=[eve_file.pk, appointment.pk]),
        {"status": "cancelled"},
    )
    assert response.status_code == 403
    assert (
        get(client, reverse("participant_appointment_new", args=[eve_file.pk])).status_code == 403
    )


def _queries(client, url):
    with CaptureQueriesContext(connection) as captured:
        response = get(client, url)
    assert response.status_code == 200
    return len(captured)


def test_the_file_page_query_count_does_not_grow_with_appointments(alice_socialworker, eve_file):
    client = client_for(alice_socialworker)
    url = reverse("participant_detail", args=[eve_file.pk])
    now = timezone.now()
    make(alice_socialworker, eve_file, now + timedelta(days=1))
    make(alice_socialworker, eve_file, now - timedelta(days=1))
    one = _queries(client, url)
    for hours in range(1, 30):
        make(alice_socialworker, eve_file, now + timedelta(hours=hours), purpose="soon")
        make(alice_socialworker, eve_file, now - timedelta(hours=hours), purpose="before")
    assert _queries(client, url) == one


# --- the social worker's home page ---


def _today_at(hour):
    today = timezone.localdate()
    return timezone.make_aware(timezone.datetime(today.year, today.month, today.day, hour, 30))


def test_home_lists_my_appointments_today_with_name_and_time_only(
    alice_socialworker, bea_peerworker, eve_file
):
    make(alice_socialworker, eve_file, _today_at(23), purpose=PURPOSE)
    make(alice_socialworker, eve_file, _today_at(23) + timedelta(days=1), purpose="tomorrow")
    make(alice_socialworker, eve_file, _today_at(0), status="cancelled")
    make(bea_peerworker, eve_file, _today_at(22))  # someone else's
    response = get(client_for(alice_socialworker), reverse("home"))
    html = response.content.decode()
    assert "Your appointments today" in html
    assert len(response.context["appointments_today"]) == 1
    assert "Soleil" in html and "11:30" in html
    assert "complaint" not in html and PURPOSE not in html


def test_home_does_not_list_appointments_of_files_no_longer_mine(
    alice_socialworker, dana_coordinator, eve_file
):
    from cases.services import assignment_end

    make(alice_socialworker, eve_file, _today_at(23))
    assignment_end(
        actor=dana_coordinator, assignment=eve_file.assignments.get(worker=alice_socialworker)
    )
    response = get(client_for(alice_socialworker), reverse("home"))
    assert response.context["appointments_today"] == []
    assert "Soleil" not in response.content.decode()


def test_home_query_count_does_not_grow_with_appointments_today(alice_socialworker, eve_file):
    client = client_for(alice_socialworker)
    make(alice_socialworker, eve_file, _today_at(23))
    one = _queries(client, reverse("home"))
    others = [
        Participant.objects.create(reference=f"SS-2026-{n:04d}", known_as=f"P{n}")
        for n in range(100, 129)
    ]
    from cases.models import Assignment

    for other in others:
        Assignment.objects.create(participant=other, worker=alice_socialworker, kind="key_worker")
        make(alice_socialworker, other, _today_at(23))
    assert _queries(client, reverse("home")) == one
