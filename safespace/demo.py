"""The fictional demo organisation loaded by `manage.py seed_demo`.

Every name and fact here is invented. Later issues add their apps' demo data.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import transaction

from safespace.roles import Role
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
    """Create the demo accounts, one per role, all with ``password``."""
    for account in DEMO_ACCOUNTS:
        user_create(
            username=account.username,
            role=account.role,
            password=password,
            first_name=account.first_name,
            last_name=account.last_name,
        )


@transaction.atomic
def demo_passwords_reset(*, password: str) -> None:
    users = get_user_model().objects.filter(username__in=[a.username for a in DEMO_ACCOUNTS])
    for user in users:
        user.set_password(password)
        user.save(update_fields=["password"])
