"""The fictional demo organisation loaded by `manage.py seed_demo`.

Every name and fact here is invented. Later issues add their apps' demo data.
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
)


def demo_exists() -> bool:
    usernames = [account.username for account in DEMO_ACCOUNTS]
    return get_user_model().objects.filter(username__in=usernames).exists()


@transaction.atomic
def demo_organisation_create(*, password: str) -> None:
    """Create the demo accounts, one per role, all with ``password``.

    Staff accounts are enrolled in TOTP (MFA is mandatory for staff), with recovery codes.
    """
    for account in DEMO_ACCOUNTS:
        user = user_create(
            username=account.username,
            role=account.role,
            password=password,
            first_name=account.first_name,
            last_name=account.last_name,
        )
        if account.role in STAFF_ROLES:
            TOTP.activate(user, generate_totp_secret())
            RecoveryCodes.activate(user)
    _demo_files_create()


# Invented files, so the demo shows a caseload; the participants issue adds many more.
DEMO_FILES = (
    ("SS-2026-0001", "Eve", "Eve Martin", "+33 6 00 00 00 01", "eve"),
    ("SS-2026-0002", "Lune", "Amina Diallo", "+33 6 00 00 00 02", None),
    ("SS-2026-0003", "Rose", "Ioana Popescu", "", None),
    ("SS-2026-0004", "Nina", "Grace Okafor", "+33 6 00 00 00 04", None),
)


def _demo_files_create() -> None:
    from cases.models import Assignment, Participant

    users = get_user_model().objects.in_bulk(["alice", "bea", "eve"], field_name="username")
    for reference, known_as, legal_name, phone, account in DEMO_FILES:
        participant = Participant.objects.create(
            reference=reference,
            known_as=known_as,
            legal_name=legal_name,
            phone=phone,
            notes="Invented demo note: prefers appointments in the morning.",
            account=users.get(account) if account else None,
        )
        Assignment.objects.create(
            participant=participant, worker=users["alice"], kind=Assignment.Kind.KEY_WORKER
        )
        if known_as in ("Eve", "Lune"):
            Assignment.objects.create(
                participant=participant, worker=users["bea"], kind=Assignment.Kind.PEER_WORKER
            )


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
    for user in users:
        user.set_password(password)
        user.save(update_fields=["password"])
