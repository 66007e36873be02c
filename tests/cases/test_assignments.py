"""Coordinators decide who supports whom, without reading anyone's file."""

import pytest
from django.test import Client
from django.urls import reverse

from cases.models import Assignment, Participant
from safespace.models import AuditEntry
from safespace.roles import Role
from tests.conftest import PLANTED
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def dana(dana_coordinator):
    client = Client()
    client.force_login(dana_coordinator)
    return client


def test_the_assignment_pages_show_references_never_file_content(dana, eve_file):
    for url in (
        reverse("assignment_list"),
        reverse("participant_assignments", args=[eve_file.pk]),
    ):
        html = dana.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
        assert "SS-2026-0042" in html
        for value in PLANTED.values():
            assert value not in html


def test_assigning_a_worker_opens_the_file_to_her_at_once(dana, dana_coordinator, eve_file):
    nadia = UserFactory(username="nadia", role=Role.SOCIAL_WORKER)
    assert not Participant.objects.visible_to(nadia).exists()
    dana.post(
        reverse("participant_assignments", args=[eve_file.pk]),
        {"worker": nadia.pk, "kind": Assignment.Kind.SUPPORT},
    )
    assert Participant.objects.visible_to(nadia).get() == eve_file
    entry = AuditEntry.objects.get(action="assignment.begun")
    assert entry.actor == dana_coordinator
    assert entry.participant_id == eve_file.pk


def test_a_worker_already_assigned_is_refused_next_to_the_field(dana, alice_socialworker, eve_file):
    response = dana.post(
        reverse("participant_assignments", args=[eve_file.pk]),
        {"worker": alice_socialworker.pk, "kind": Assignment.Kind.SUPPORT},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert "This worker is already assigned to her." in response.content.decode()


def test_volunteers_and_participants_cannot_be_assigned(dana, chloe_volunteer, eve_file):
    response = dana.post(
        reverse("participant_assignments", args=[eve_file.pk]),
        {"worker": chloe_volunteer.pk, "kind": Assignment.Kind.SUPPORT},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert "Select a valid choice" in response.content.decode()
    assert not Assignment.objects.filter(worker=chloe_volunteer).exists()


def test_ending_an_assignment_closes_the_file_to_her(dana, alice_socialworker, eve_file):
    assignment = Assignment.objects.get(worker=alice_socialworker)
    dana.post(reverse("assignment_end", args=[assignment.pk]))
    assert not Participant.objects.visible_to(alice_socialworker).exists()
    assert AuditEntry.objects.filter(action="assignment.ended").exists()


def test_the_assignment_list_costs_the_same_queries_for_few_or_many_files(
    dana, alice_socialworker, django_assert_num_queries
):
    dana.get(reverse("assignment_list"))
    for n in range(3):
        Participant.objects.create(reference=f"SS-2026-1{n:03d}", known_as="X")
    with django_assert_num_queries(7) as few:
        dana.get(reverse("assignment_list"))
    for n in range(3, 40):
        p = Participant.objects.create(reference=f"SS-2026-1{n:03d}", known_as="X")
        Assignment.objects.create(participant=p, worker=alice_socialworker, kind="key_worker")
    with django_assert_num_queries(len(few.captured_queries)):
        dana.get(reverse("assignment_list"))
