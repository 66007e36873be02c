"""MFA is mandatory for staff, optional for participants; the demo hint is debug-only."""

import pytest
from allauth.mfa.models import Authenticator
from django.db import connection
from django.urls import reverse

from safespace.demo import demo_organisation_create
from safespace.roles import Role
from tests.conftest import sign_in
from tests.factories import TEST_TOTP_SECRET, UserFactory

pytestmark = pytest.mark.django_db

STAFF = [Role.COORDINATOR, Role.SOCIAL_WORKER, Role.PEER_WORKER, Role.VOLUNTEER]


@pytest.mark.parametrize("role", STAFF)
def test_staff_without_an_authenticator_is_sent_to_enrolment_and_reaches_nothing_else(client, role):
    client.force_login(UserFactory(username="new_staff", role=role, mfa=False))
    for url in (reverse("home"), reverse("account_change_password"), reverse("usersessions_list")):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"] == reverse("mfa_activate_totp")


def test_htmx_requests_of_unenrolled_staff_are_redirected_too(client):
    client.force_login(UserFactory(username="new_staff", role=Role.VOLUNTEER, mfa=False))
    response = client.get(reverse("home"), HTTP_HX_REQUEST="true")
    assert response["HX-Redirect"] == reverse("mfa_activate_totp")


def test_unenrolled_staff_signing_in_lands_on_enrolment_and_can_sign_out(client, password):
    user = UserFactory(username="new_staff", role=Role.SOCIAL_WORKER, mfa=False)
    response = sign_in(client, user, password)
    assert client.get(response["Location"])["Location"] == reverse("mfa_activate_totp")
    # allauth asks for the password again before enrolment: that page is reachable too
    enrol = client.get(reverse("mfa_activate_totp"))
    assert enrol["Location"].startswith(reverse("account_reauthenticate"))
    assert client.get(enrol["Location"]).status_code == 200
    client.post(enrol["Location"], {"password": password})
    assert client.get(reverse("mfa_activate_totp")).status_code == 200
    assert client.post(reverse("account_logout")).status_code == 302


def test_a_participant_is_not_forced_to_enrol(client, eve_participant):
    client.force_login(eve_participant)
    assert client.get(reverse("home")).status_code == 200


def test_staff_sign_in_asks_for_the_code_before_anything(client, alice_socialworker, password):
    response = client.post(
        reverse("account_login"), {"login": alice_socialworker.username, "password": password}
    )
    assert response["Location"] == reverse("mfa_authenticate")
    assert client.get(reverse("home"))["Location"].startswith(reverse("account_login"))


def test_a_wrong_code_is_refused_with_a_message(client, alice_socialworker, password):
    client.post(
        reverse("account_login"), {"login": alice_socialworker.username, "password": password}
    )
    response = client.post(
        reverse("mfa_authenticate"), {"code": "000000"}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 200
    assert 'role="alert"' in response.content.decode() or "errorlist" in response.content.decode()
    assert client.get(reverse("home"))["Location"].startswith(reverse("account_login"))


def test_the_right_code_signs_staff_in(client, alice_socialworker, password):
    response = sign_in(client, alice_socialworker, password)
    assert response["Location"] == reverse("home")
    assert client.get(reverse("home")).status_code == 200


def test_totp_secrets_are_encrypted_in_the_database(alice_socialworker):
    with connection.cursor() as cursor:
        cursor.execute("SELECT data FROM mfa_authenticator")
        rows = [str(row[0]) for row in cursor.fetchall()]
    assert rows
    assert all(TEST_TOTP_SECRET not in row for row in rows)
    stored = Authenticator.objects.get(user=alice_socialworker).data["secret"]
    assert stored.startswith("gAAAA")  # a Fernet token


def test_the_demo_code_is_shown_on_the_mfa_step_while_debug_is_on(client, settings):
    settings.DEBUG = True
    demo_organisation_create(password="demo-pass-1234")
    client.post(reverse("account_login"), {"login": "alice", "password": "demo-pass-1234"})
    html = client.get(reverse("mfa_authenticate"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Demo only: the current code is" in html


def test_the_demo_code_never_appears_with_debug_off(client, settings):
    settings.DEBUG = True
    demo_organisation_create(password="demo-pass-1234")
    settings.DEBUG = False
    client.post(reverse("account_login"), {"login": "alice", "password": "demo-pass-1234"})
    html = client.get(reverse("mfa_authenticate"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Demo only" not in html
    assert 'data-testid="demo-code"' not in html


def test_the_demo_hint_is_never_given_for_a_real_account(client, settings, alice_socialworker):
    settings.DEBUG = True
    from safespace.demo import demo_totp_code_for

    assert demo_totp_code_for(alice_socialworker) == ""


def test_seed_demo_enrols_the_staff_accounts_in_totp(settings):
    settings.DEBUG = True
    demo_organisation_create(password="demo-pass-1234")
    enrolled = set(
        Authenticator.objects.filter(type=Authenticator.Type.TOTP).values_list(
            "user__username", flat=True
        )
    )
    assert enrolled == {"dana", "alice", "bea", "chloe", "farah", "gwen"}
