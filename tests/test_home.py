import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from safespace.roles import Role
from tests.conftest import sign_in
from tests.factories import UserFactory

HEADINGS = {
    Role.COORDINATOR: "Coordination",
    Role.SOCIAL_WORKER: "My caseload",
    Role.PEER_WORKER: "My peer support",
    Role.VOLUNTEER: "Drop-in",
    Role.PARTICIPANT: "My space",
}


def test_anonymous_visitor_is_sent_to_sign_in(client):
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


@pytest.mark.django_db
@pytest.mark.parametrize("role", list(Role))
def test_each_role_signs_in_and_lands_on_its_own_home_page(client, cast, password, role):
    response = sign_in(client, cast[role], password)
    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    html = client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert f"<h1>{HEADINGS[role]}</h1>" in html


@pytest.mark.django_db
def test_participant_pages_have_a_neutral_title(client, eve_participant):
    client.force_login(eve_participant)
    html = client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "<title>My space</title>" in html
    assert "Safespace" not in html.split("<body>")[0]


@pytest.mark.django_db
@pytest.mark.parametrize("role", list(Role))
def test_every_page_has_an_emergency_exit_and_a_sign_out(client, cast, role, settings):
    client.force_login(cast[role])
    html = client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert f'data-exit-url="{settings.SAFESPACE_EXIT_URL}"' in html
    assert "Emergency exit" in html
    assert reverse("account_logout") in html


@pytest.mark.django_db
def test_an_account_without_a_role_is_told_why_it_sees_nothing(client):
    client.force_login(UserFactory(username="nobody"))
    response = client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert "Your account has no role yet" in response.content.decode()


@pytest.mark.django_db
def test_nobody_can_sign_up_on_their_own(client):
    response = client.post(
        reverse("account_signup"),
        {
            "username": "stranger",
            "password1": "a-long-password-1",
            "password2": "a-long-password-1",
        },
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 200
    assert "There is no public sign-up" in response.content.decode()
    assert not get_user_model().objects.filter(username="stranger").exists()


@pytest.mark.django_db
def test_the_login_page_does_not_invite_people_to_sign_up(client):
    html = client.get(reverse("account_login"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert reverse("account_signup") not in html


@pytest.mark.django_db
def test_the_exit_help_page_explains_what_the_button_cannot_do(client):
    html = client.get(reverse("exit_help"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "does not erase your browser history" in html


def test_security_headers_are_sent(client):
    response = client.get(reverse("account_login"))
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    csp = response["Content-Security-Policy"]
    assert "default-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp


def test_an_unknown_page_gets_a_calm_not_found_page(client):
    response = client.get("/no-such-page/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 404
    html = response.content.decode()
    assert "<h1>Page not found</h1>" in html
    assert "you do not have access to it" in html


@pytest.mark.django_db
def test_a_social_worker_sees_her_caseload_on_her_home_page(client, alice_socialworker, eve_file):
    client.force_login(alice_socialworker)
    html = client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Soleil" in html
    assert reverse("participant_detail", args=[eve_file.pk]) in html


@pytest.mark.django_db
def test_a_coordinator_sees_openings_waiting_for_review(client, dana_coordinator, eve_file):
    from cases.services import break_glass_open

    break_glass_open(user=dana_coordinator, participant=eve_file, reason="Urgent safety call.")
    client.force_login(dana_coordinator)
    html = client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "1 file opened outside a caseload is waiting for your review." in html
