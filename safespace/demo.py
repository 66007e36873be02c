"""The fictional demo organisation loaded by `manage.py seed_demo`.

Every name and fact here is invented. Later issues add their apps' demo data; the
caseload of the participants issue lives in cases/demo.py.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from allauth.mfa import app_settings as mfa_settings
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import (
    TOTP,
    format_hotp_value,
    generate_totp_secret,
    hotp_value,
)
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import transaction

from safespace.crypto import decrypt_text
from safespace.roles import STAFF_ROLES, Role
from safespace.services import user_create


@dataclass(frozen=True)
class DemoAccount:
    username: str
    role: Role
    first_name: str
    last_name: str


DEMO_ACCOUNTS = (
    DemoAccount("dana", Role.COORDINATOR, "Dana", "Moreau"),
    DemoAccount("alice", Role.SOCIAL_WORKER, "Alice", "Girard"),
    DemoAccount("bea", Role.PEER_WORKER, "Béa", "Lambert"),
    DemoAccount("chloe", Role.VOLUNTEER, "Chloé", "Petit"),
    DemoAccount("eve", Role.PARTICIPANT, "Eve", ""),
    # a second social worker and peer worker, so caseloads are spread
    DemoAccount("farah", Role.SOCIAL_WORKER, "Farah", "Mercier"),
    DemoAccount("gwen", Role.PEER_WORKER, "Gwen", "Le Goff"),
)


def demo_exists() -> bool:
    usernames = [account.username for account in DEMO_ACCOUNTS]
    return get_user_model().objects.filter(username__in=usernames).exists()


@transaction.atomic
def demo_organisation_create(*, password: str) -> None:
    """Create the demo accounts, one per role (two social and peer workers), all with
    ``password``, and the caseload they support.

    Staff accounts are enrolled in TOTP (MFA is mandatory for staff), with recovery codes.
    """
    from cases.demo import caseload_create
    from dropin.demo import dropin_create
    from lifeplans.demo import life_plans_create
    from shelters.demo import shelters_create

    # hashed once: the hasher is slow on purpose, and the demo password is shared anyway
    hashed = make_password(password)
    users = {}
    for account in DEMO_ACCOUNTS:
        user = user_create(
            username=account.username,
            role=account.role,
            password=None,
            first_name=account.first_name,
            last_name=account.last_name,
        )
        user.password = hashed
        user.save(update_fields=["password"])
        if account.role in STAFF_ROLES:
            TOTP.activate(user, generate_totp_secret())
            RecoveryCodes.activate(user)
        users[account.username] = user
    caseload_create(users=users)
    life_plans_create(users=users)
    dropin_create(users=users)
    shelters_create(users=users)


def demo_totp_code_for(user) -> str:
    """The current TOTP code of a demo account; empty for any other account."""
    if user.username not in {account.username for account in DEMO_ACCOUNTS}:
        return ""
    authenticator = Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).first()
    if authenticator is None:
        return ""
    secret = decrypt_text(authenticator.data["secret"])
    counter = int(time.time()) // mfa_settings.TOTP_PERIOD
    return format_hotp_value(hotp_value(secret, counter))


@transaction.atomic
def demo_passwords_reset(*, password: str) -> None:
    users = get_user_model().objects.filter(username__in=[a.username for a in DEMO_ACCOUNTS])
    users.update(password=make_password(password))
