"""Coordinators create accounts and hand over one-time invitations; nobody else can."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from safespace.models import AuditEntry, Invitation
from safespace.roles import Role, role_of
from safespace.services import invitation_issue
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
NEW_PASSWORD = "a-long-new-password-42"


@pytest.fixture
def coordinator_client(client, dana_coordinator):
    client.force_login(dana_coordinator)
    return client


def create_account(client, username="lune", role=Role.PARTICIPANT, **extra):
    data = {"username": username, "role": role.value, **extra}
    return client.post(reverse("team_create"), data, HTTP_ACCEPT_LANGUAGE="en")


def code_on(response):
    return re.search(r'class="invitation-code">([A-Z0-9-]+)<', response.content.decode()).group(1)


def welcome(code, password=NEW_PASSWORD, again=None, client=None):
    client = client or Client()
    response = client.post(
        reverse("welcome"),
        {"code": code, "password1": password, "password2": again or password},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    return client, response


def test_a_coordinator_creates_an_account_and_sees_its_code_once(coordinator_client):
    response = create_account(coordinator_client)
    assert response.status_code == 200
    code = code_on(response)
    assert re.fullmatch(r"[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}", code)
    assert 'src="data:image/svg+xml;base64,' in response.content.decode()
    account = get_user_model().objects.get(username="lune")
    assert role_of(account) == Role.PARTICIPANT
    assert not account.has_usable_password()
    invitation = Invitation.objects.get(user=account)
    assert code not in invitation.code_digest
    actions = list(AuditEntry.objects.values_list("action", flat=True))
    assert actions[-2:] == ["account.created", "invitation.issued"]
    assert code not in str(list(AuditEntry.objects.values()))


def test_she_sets_her_own_password_with_the_code_and_lands_in_her_space(coordinator_client):
    code = code_on(create_account(coordinator_client))
    her, response = welcome(code.lower().replace("-", " "))  # typed loosely
    assert response["Location"] == reverse("home")
    assert "My space" in her.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert AuditEntry.objects.filter(action="invitation.redeemed").exists()


def test_invited_staff_go_on_to_set_up_two_step_sign_in(coordinator_client):
    code = code_on(create_account(coordinator_client, "nadia", Role.SOCIAL_WORKER))
    staff, _ = welcome(code)
    assert staff.get(reverse("home"))["Location"] == reverse("mfa_activate_totp")


def test_a_code_works_only_once(coordinator_client):
    code = code_on(create_account(coordinator_client))
    welcome(code)
    _, second = welcome(code, password="another-long-password-7")
    assert second.status_code == 200
    assert "This code does not work" in second.content.decode()


def test_a_code_expires_after_72_hours(coordinator_client):
    code = code_on(create_account(coordinator_client))
    with time_machine.travel(timezone.now() + timedelta(hours=73)):
        _, response = welcome(code)
    assert "This code does not work" in response.content.decode()


def test_a_new_code_revokes_the_old_one(coordinator_client, dana_coordinator):
    old = code_on(create_account(coordinator_client))
    account = get_user_model().objects.get(username="lune")
    _invitation, new = invitation_issue(actor=dana_coordinator, user=account)
    assert "This code does not work" in welcome(old)[1].content.decode()
    assert welcome(new)[1]["Location"] == reverse("home")


def test_a_weak_password_is_explained_and_the_code_stays_usable(coordinator_client):
    code = code_on(create_account(coordinator_client))
    _, response = welcome(code, password="12345")
    html = response.content.decode()
    assert response.status_code == 200
    assert "too short" in html
    assert f'value="{code}"' in html  # what she typed is kept
    assert welcome(code)[1]["Location"] == reverse("home")


def test_mismatched_passwords_are_explained_next_to_the_field(coordinator_client):
    code = code_on(create_account(coordinator_client))
    _, response = welcome(code, again="not-the-same-password")
    assert "The two passwords are not the same." in response.content.decode()


def test_guessing_codes_is_slowed_down():
    responses = [welcome(f"AAAA-BBBB-CC{n:02d}")[1] for n in range(11)]
    assert "Too many tries" not in responses[0].content.decode()
    assert "Too many tries" in responses[-1].content.decode()


def test_a_taken_username_is_refused_next_to_the_field(coordinator_client, eve_participant):
    response = create_account(coordinator_client, username=eve_participant.username.upper())
    assert "This username is already taken" in response.content.decode()
    assert 'value="EVE_PARTICIPANT"' in response.content.decode()


@pytest.mark.parametrize(
    "role", [Role.SOCIAL_WORKER, Role.PEER_WORKER, Role.VOLUNTEER, Role.PARTICIPANT]
)
def test_only_coordinators_manage_accounts(client, cast, role, eve_participant):
    client.force_login(cast[role])
    assert client.get(reverse("team_list")).status_code == 403
    assert create_account(client).status_code == 403
    assert client.get(reverse("team_detail", args=[eve_participant.pk])).status_code == 403
    assert not get_user_model().objects.filter(username="lune").exists()


def test_an_unknown_account_is_not_found(coordinator_client):
    assert coordinator_client.get(reverse("team_detail", args=[999999])).status_code == 404


def test_a_role_change_applies_on_the_very_next_request(
    coordinator_client, bea_peerworker, password
):
    bea = Client()
    bea.force_login(bea_peerworker)
    assert "My peer support" in bea.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    coordinator_client.post(
        reverse("team_detail", args=[bea_peerworker.pk]), {"role": Role.VOLUNTEER.value}
    )
    assert (
        "<h1>Drop-in</h1>" in bea.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    )
    entry = AuditEntry.objects.get(action="account.role_changed")
    assert entry.payload == {"role": "volunteer"}


def test_deactivating_ends_her_sessions_and_is_recorded(coordinator_client, chloe_volunteer):
    chloe = Client()
    chloe.force_login(chloe_volunteer)
    coordinator_client.post(reverse("team_active", args=[chloe_volunteer.pk]), {"active": "0"})
    assert chloe.get(reverse("home")).status_code == 302
    assert AuditEntry.objects.filter(action="account.deactivated").exists()
    coordinator_client.post(reverse("team_active", args=[chloe_volunteer.pk]), {"active": "1"})
    chloe_volunteer.refresh_from_db()
    assert chloe_volunteer.is_active


def test_a_coordinator_cannot_deactivate_herself(coordinator_client, dana_coordinator):
    response = coordinator_client.post(
        reverse("team_active", args=[dana_coordinator.pk]),
        {"active": "0"},
        follow=True,
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert "You cannot deactivate your own account." in response.content.decode()
    dana_coordinator.refresh_from_db()
    assert dana_coordinator.is_active


def test_the_account_list_costs_the_same_queries_for_5_or_50_accounts(
    coordinator_client, django_assert_num_queries
):
    coordinator_client.get(reverse("team_list"))  # first request records the session
    for n in range(5):
        UserFactory(username=f"a{n}", role=Role.PARTICIPANT)
    with django_assert_num_queries(7) as few:
        coordinator_client.get(reverse("team_list"))
    for n in range(45):
        UserFactory(username=f"b{n}", role=Role.VOLUNTEER)
    with django_assert_num_queries(len(few.captured_queries)):
        response = coordinator_client.get(reverse("team_list"))
    assert response.content.decode().count('href="/team/') >= 50
