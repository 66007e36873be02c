"""Writes on accounts. Each one records its audit entry in the same transaction."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from safespace.audit import audit_record
from safespace.invitations import CODE_PATTERN, code_digest, code_generate, code_normalise
from safespace.models import Invitation
from safespace.roles import Role


@transaction.atomic
def user_create(
    *,
    username: str,
    role: Role,
    password: str | None,
    first_name: str = "",
    last_name: str = "",
    email: str = "",
    actor=None,
):
    """Create an active account holding exactly one role.

    With ``password=None`` the account cannot sign in until a password is set
    (through an invitation).
    """
    user_model = get_user_model()
    user = user_model(username=username, first_name=first_name, last_name=last_name, email=email)
    if password is None:
        user.set_unusable_password()
    else:
        user.set_password(password)
    user.full_clean(exclude=["password"])
    user.save()
    group, _created = Group.objects.get_or_create(name=role.value)
    user.groups.set([group])
    audit_record(action="account.created", actor=actor, target=user, payload={"role": role.value})
    return user


@transaction.atomic
def user_role_set(*, actor, user, role: Role) -> None:
    """Give the account exactly this role; takes effect on its very next request."""
    group, _created = Group.objects.get_or_create(name=role.value)
    user.groups.set([group])
    audit_record(
        action="account.role_changed", actor=actor, target=user, payload={"role": role.value}
    )


@transaction.atomic
def user_active_set(*, actor, user, active: bool) -> None:
    """Deactivate (ending every session at once) or reactivate an account."""
    if user.pk == getattr(actor, "pk", None) and not active:
        raise ValidationError(_("You cannot deactivate your own account."))
    user.is_active = active
    user.save(update_fields=["is_active"])
    audit_record(
        action="account.reactivated" if active else "account.deactivated",
        actor=actor,
        target=user,
    )


@transaction.atomic
def invitation_issue(*, actor, user) -> tuple[Invitation, str]:
    """A new one-time code for ``user``; earlier open codes stop working.

    Returns the invitation and the code in clear, which is shown once and kept nowhere.
    """
    now = timezone.now()
    Invitation.objects.filter(user=user, used_at=None, revoked_at=None).update(revoked_at=now)
    code = code_generate()
    invitation = Invitation.objects.create(
        user=user,
        code_digest=code_digest(code),
        created_by=actor,
        created_at=now,
        expires_at=now + timedelta(hours=settings.SAFESPACE_INVITATION_HOURS),
    )
    audit_record(action="invitation.issued", actor=actor, target=user)
    return invitation, code


class InvitationInvalid(Exception):
    """The code is unknown, used, revoked or expired: one answer for all four."""


@transaction.atomic
def invitation_redeem(*, code: str, password: str):
    """Set the invited person's password and spend the code. Returns her account.

    Raises InvitationInvalid, or ValidationError when the password is too weak
    (the code is then still usable).
    """
    normalised = code_normalise(code)
    if not CODE_PATTERN.match(normalised):
        raise InvitationInvalid
    # lock the invitation so two tabs cannot both spend it
    invitation = (
        Invitation.objects.select_for_update()
        .select_related("user")
        .filter(code_digest=code_digest(normalised))
        .first()
    )
    if invitation is None or not invitation.is_open or not invitation.user.is_active:
        raise InvitationInvalid
    user = invitation.user
    validate_password(password, user)
    user.set_password(password)
    user.save(update_fields=["password"])
    invitation.used_at = timezone.now()
    invitation.save(update_fields=["used_at"])
    audit_record(action="invitation.redeemed", actor=user, target=user)
    return user
