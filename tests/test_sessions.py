"""Sessions end by themselves on shared phones, and at once when an account is deactivated."""

from datetime import timedelta

import pytest
import time_machine
from allauth.usersessions.models import UserSession
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.conftest import sign_in

pytestmark = pytest.mark.django_db


def is_signed_in(client):
    return client.get(reverse("home")).status_code == 200


@pytest.fixture
def clock():
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        yield traveller


def test_staff_stay_signed_in_for_29_idle_minutes_but_not_31(
    client, clock, alice_socialworker, password
):
    sign_in(client, alice_socialworker, password)
    clock.shift(timedelta(minutes=29))
    assert is_signed_in(client)
    clock.shift(timedelta(minutes=31))
    response = client.get(reverse("home"))
    assert response["Location"] == reverse("account_login")


def test_a_participant_is_signed_out_after_15_idle_minutes(
    client, clock, eve_participant, password
):
    sign_in(client, eve_participant, password)
    clock.shift(timedelta(minutes=14))
    assert is_signed_in(client)
    clock.shift(timedelta(minutes=16))
    assert not is_signed_in(client)


def test_the_signed_out_person_is_told_why_without_alarm(client, clock, eve_participant, password):
    sign_in(client, eve_participant, password)
    clock.shift(timedelta(minutes=16))
    page = client.get(reverse("home"), follow=True, HTTP_ACCEPT_LANGUAGE="en")
    assert "You were signed out to keep your space private." in page.content.decode()


def test_an_active_session_still_ends_after_ten_hours(client, clock, alice_socialworker, password):
    sign_in(client, alice_socialworker, password)
    for _ in range(29):  # busy all day: a request every 20 minutes
        clock.shift(timedelta(minutes=20))
        assert is_signed_in(client)
    clock.shift(timedelta(minutes=21))  # 10 h 01 min after signing in
    assert not is_signed_in(client)


def test_idle_limits_are_configurable(client, clock, settings, eve_participant, password):
    settings.SAFESPACE_SESSION_IDLE_PARTICIPANT_SECONDS = 5 * 60
    sign_in(client, eve_participant, password)
    clock.shift(timedelta(minutes=6))
    assert not is_signed_in(client)


def test_htmx_requests_of_an_expired_session_are_sent_to_sign_in(
    client, clock, eve_participant, password
):
    sign_in(client, eve_participant, password)
    clock.shift(timedelta(minutes=16))
    response = client.get(reverse("home"), HTTP_HX_REQUEST="true")
    assert response["HX-Redirect"] == reverse("account_login")


def test_signing_in_gives_a_new_session_key(client, eve_participant, password):
    client.get(reverse("account_login"))
    client.session.save()
    before = client.session.session_key
    sign_in(client, eve_participant, password)
    assert client.session.session_key != before


def test_deactivating_an_account_ends_all_her_sessions_at_once(clock, alice_socialworker, password):
    office, phone = Client(), Client()
    sign_in(office, alice_socialworker, password)
    clock.shift(timedelta(seconds=31))  # a TOTP code is accepted only once
    sign_in(phone, alice_socialworker, password)
    assert is_signed_in(office) and is_signed_in(phone)
    assert UserSession.objects.filter(user=alice_socialworker).count() == 2

    alice_socialworker.is_active = False
    alice_socialworker.save()

    assert not is_signed_in(office)
    assert not is_signed_in(phone)
    assert not UserSession.objects.filter(user=alice_socialworker).exists()


def test_a_person_can_see_and_end_her_other_sessions(eve_participant, password):
    mine, forgotten = Client(), Client()
    sign_in(forgotten, eve_participant, password)
    sign_in(mine, eve_participant, password)
    assert mine.get(reverse("usersessions_list")).status_code == 200

    mine.post(reverse("usersessions_list"))  # "sign out everywhere else"

    assert not is_signed_in(forgotten)
    assert is_signed_in(mine)
