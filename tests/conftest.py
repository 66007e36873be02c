import pytest
from django.core.cache import cache

from safespace.roles import Role
from tests.factories import TEST_PASSWORD, UserFactory


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def password():
    return TEST_PASSWORD


@pytest.fixture
def alice_socialworker(db):
    return UserFactory(username="alice_socialworker", role=Role.SOCIAL_WORKER)


@pytest.fixture
def bea_peerworker(db):
    return UserFactory(username="bea_peerworker", role=Role.PEER_WORKER)


@pytest.fixture
def chloe_volunteer(db):
    return UserFactory(username="chloe_volunteer", role=Role.VOLUNTEER)


@pytest.fixture
def dana_coordinator(db):
    return UserFactory(username="dana_coordinator", role=Role.COORDINATOR)


@pytest.fixture
def eve_participant(db):
    return UserFactory(username="eve_participant", role=Role.PARTICIPANT)


@pytest.fixture
def mallory(db):
    """A participant trying to see someone else's plan."""
    return UserFactory(username="mallory", role=Role.PARTICIPANT)


@pytest.fixture
def cast(alice_socialworker, bea_peerworker, chloe_volunteer, dana_coordinator, eve_participant):
    return {
        Role.SOCIAL_WORKER: alice_socialworker,
        Role.PEER_WORKER: bea_peerworker,
        Role.VOLUNTEER: chloe_volunteer,
        Role.COORDINATOR: dana_coordinator,
        Role.PARTICIPANT: eve_participant,
    }


def sign_in(client, user, password, **extra):
    """Sign in through the real forms, answering the MFA step when the account has one."""
    from django.urls import reverse

    from tests.factories import current_totp_code

    response = client.post(
        reverse("account_login"), {"login": user.username, "password": password}, **extra
    )
    if response.status_code == 302 and response["Location"] == reverse("mfa_authenticate"):
        response = client.post(
            reverse("mfa_authenticate"), {"code": current_totp_code(user)}, **extra
        )
    return response


PLANTED = {
    "known_as": "Soleil",
    "legal_name": "Marguerite Planted-Legalname",
    "phone": "+33 6 99 88 77 66",
    "notes": "Planted note: she fears the man at the station",
}


@pytest.fixture
def eve_file(eve_participant, alice_socialworker, bea_peerworker):
    """Eve's file, with planted values, supported by Alice (key worker) and Bea (peer worker)."""
    from cases.models import Assignment, Participant

    participant = Participant.objects.create(
        reference="SS-2026-0042", account=eve_participant, **PLANTED
    )
    Assignment.objects.create(
        participant=participant, worker=alice_socialworker, kind=Assignment.Kind.KEY_WORKER
    )
    Assignment.objects.create(
        participant=participant, worker=bea_peerworker, kind=Assignment.Kind.PEER_WORKER
    )
    return participant
