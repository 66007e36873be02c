import re
from io import StringIO

import pytest
from django.contrib.auth import authenticate, get_user_model
from django.core.management import CommandError, call_command

from safespace.demo import DEMO_ACCOUNTS
from safespace.roles import role_of


def seed(*args):
    out = StringIO()
    call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


def printed_password(output):
    return re.search(r"Password for all of them \(shown once, keep it\): (\S+)", output).group(1)


@pytest.mark.django_db
def test_seed_demo_refuses_to_run_with_debug_off(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="only runs with DJANGO_DEBUG=1"):
        seed()
    assert not get_user_model().objects.exists()


@pytest.mark.django_db
def test_seed_demo_creates_one_account_per_role_and_prints_the_password_once(settings):
    settings.DEBUG = True
    output = seed()
    password = printed_password(output)
    assert output.count(password) == 1
    for account in DEMO_ACCOUNTS:
        user = authenticate(username=account.username, password=password)
        assert user is not None, account.username
        assert role_of(user) == account.role
    assert [a.username for a in DEMO_ACCOUNTS] == ["dana", "alice", "bea", "chloe", "eve"]


@pytest.mark.django_db
def test_seed_demo_if_empty_leaves_an_existing_demo_alone(settings):
    settings.DEBUG = True
    password = printed_password(seed())
    output = seed("--if-empty")
    assert "already loaded" in output
    assert "Password for all" not in output
    assert authenticate(username="dana", password=password) is not None


@pytest.mark.django_db
def test_seed_demo_can_reset_lost_passwords(settings):
    settings.DEBUG = True
    old = printed_password(seed())
    new = printed_password(seed("--reset-passwords"))
    assert new != old
    assert authenticate(username="eve", password=new) is not None
    assert authenticate(username="eve", password=old) is None


@pytest.mark.django_db
def test_seed_demo_gives_alice_a_caseload_and_eve_her_file(settings):
    from cases.models import Participant

    settings.DEBUG = True
    seed()
    alice = get_user_model().objects.get(username="alice")
    eve = get_user_model().objects.get(username="eve")
    assert Participant.objects.visible_to(alice).count() == 4
    assert Participant.objects.visible_to(eve).get().known_as == "Eve"
