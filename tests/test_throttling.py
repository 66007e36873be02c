"""Guessing is slowed down without locking anyone out for good; answers never tell who exists."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from tests.conftest import sign_in

pytestmark = pytest.mark.django_db
TOO_MANY = "Too many failed login attempts. Try again later."


def fail_login(client, username, *, ip="10.0.0.1"):
    return client.post(
        reverse("account_login"),
        {"login": username, "password": "wrong-guess-123"},
        REMOTE_ADDR=ip,
        HTTP_ACCEPT_LANGUAGE="en",
    )


def without_tokens(html):
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)


def test_five_wrong_passwords_pause_the_account_for_a_few_minutes_only(
    client, eve_participant, password
):
    with time_machine.travel(timezone.now(), tick=False) as clock:
        for attempt in range(5):
            fail_login(client, eve_participant.username, ip=f"10.0.0.{attempt}")
        blocked = sign_in(
            client, eve_participant, password, REMOTE_ADDR="10.0.1.1", HTTP_ACCEPT_LANGUAGE="en"
        )
        assert TOO_MANY in blocked.content.decode()
        assert client.get(reverse("home")).status_code == 302  # not signed in

        clock.shift(timedelta(minutes=6))
        response = sign_in(client, eve_participant, password, REMOTE_ADDR="10.0.1.1")
        assert response["Location"] == reverse("home")


def test_many_guesses_from_one_address_are_slowed_down(client, eve_participant):
    responses = [fail_login(client, f"someone{n}") for n in range(11)]
    assert TOO_MANY not in responses[0].content.decode()
    assert TOO_MANY in responses[-1].content.decode()


def test_an_unknown_username_gets_the_same_answer_as_a_wrong_password(client, eve_participant):
    known = fail_login(client, eve_participant.username, ip="10.0.0.1")
    unknown = fail_login(client, "nobody-by-that-name", ip="10.0.0.2")
    assert known.status_code == unknown.status_code == 200
    known_html = without_tokens(known.content.decode()).replace(eve_participant.username, "X")
    unknown_html = without_tokens(unknown.content.decode()).replace("nobody-by-that-name", "X")
    assert known_html == unknown_html


def test_password_reset_does_not_tell_whether_an_address_is_known(client, eve_participant):
    eve_participant.email = "eve@example.org"
    eve_participant.save()
    known = client.post(reverse("account_reset_password"), {"email": "eve@example.org"})
    unknown = client.post(reverse("account_reset_password"), {"email": "nobody@example.org"})
    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"]
