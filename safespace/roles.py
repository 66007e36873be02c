"""The five roles of DOMAIN.md, stored as Django groups of the same name."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    COORDINATOR = "coordinator", _("Coordinator")
    SOCIAL_WORKER = "social_worker", _("Social worker")
    PEER_WORKER = "peer_worker", _("Peer worker")
    VOLUNTEER = "volunteer", _("Volunteer")
    PARTICIPANT = "participant", _("Participant")


STAFF_ROLES = frozenset(
    {Role.COORDINATOR, Role.SOCIAL_WORKER, Role.PEER_WORKER, Role.VOLUNTEER}
)

_CACHE_ATTR = "_safespace_role"


def role_of(user) -> Role | None:
    """The user's role, or None for anonymous users and accounts without one.

    A person holds one role. Should an account ever sit in several groups, the
    least powerful role wins, so a mistake never widens what someone sees.
    """
    if user is None or not user.is_authenticated or not user.is_active:
        return None
    if not hasattr(user, _CACHE_ATTR):
        names = set(user.groups.values_list("name", flat=True))
        found = None
        for role in reversed(Role):  # participant first: least powerful
            if role.value in names:
                found = role
                break
        setattr(user, _CACHE_ATTR, found)
    return getattr(user, _CACHE_ATTR)


def role_of_any(user) -> Role | None:
    """The role an account holds, active or not (for the coordinator's account pages)."""
    names = {group.name for group in user.groups.all()}
    return next((role for role in reversed(Role) if role.value in names), None)


def is_staff_role(user) -> bool:
    return role_of(user) in STAFF_ROLES
