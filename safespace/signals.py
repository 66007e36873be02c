"""Authentication events into the audit trail. Nothing typed by anyone is kept."""

import time

from allauth.account import signals as account_signals
from allauth.mfa import signals as mfa_signals
from allauth.usersessions.models import UserSession
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth import signals as auth_signals
from django.db.models.signals import post_save
from django.dispatch import receiver

from safespace.audit import audit_record
from safespace.middleware import SESSION_AUTH_AT, SESSION_SEEN_AT


@receiver(auth_signals.user_logged_in, dispatch_uid="audit_login")
def _login(sender, request, user, **kwargs):
    now = int(time.time())
    request.session[SESSION_AUTH_AT] = now
    request.session[SESSION_SEEN_AT] = now
    audit_record(action="auth.login", actor=user)


@receiver(post_save, sender=settings.AUTH_USER_MODEL, dispatch_uid="end_sessions_on_deactivation")
def _end_sessions_of_deactivated(sender, instance, **kwargs):
    if not instance.is_active:
        for user_session in UserSession.objects.filter(user=instance):
            user_session.end()


@receiver(auth_signals.user_logged_out, dispatch_uid="audit_logout")
def _logout(sender, request, user, **kwargs):
    if user is not None:
        audit_record(action="auth.logout", actor=user)


@receiver(auth_signals.user_login_failed, dispatch_uid="audit_login_failed")
def _login_failed(sender, credentials, request=None, **kwargs):
    # The attempted username is not kept (people type passwords there); the entry is
    # tied to the account when one matches, so a coordinator can see guessing on it.
    username = credentials.get("username") or credentials.get("login") or ""
    account = get_user_model().objects.filter(username=username).first() if username else None
    audit_record(action="auth.login_failed", actor=account)


@receiver(account_signals.password_changed, dispatch_uid="audit_password_changed")
def _password_changed(sender, request, user, **kwargs):
    audit_record(action="auth.password_changed", actor=user)


@receiver(account_signals.password_reset, dispatch_uid="audit_password_reset")
def _password_reset(sender, request, user, **kwargs):
    audit_record(action="auth.password_reset", actor=user)


@receiver(mfa_signals.authenticator_added, dispatch_uid="audit_mfa_added")
def _mfa_added(sender, request, user, authenticator, **kwargs):
    audit_record(action="mfa.added", actor=user, payload={"kind": authenticator.type})


@receiver(mfa_signals.authenticator_removed, dispatch_uid="audit_mfa_removed")
def _mfa_removed(sender, request, user, authenticator, **kwargs):
    audit_record(action="mfa.removed", actor=user, payload={"kind": authenticator.type})


@receiver(mfa_signals.authenticator_reset, dispatch_uid="audit_mfa_reset")
def _mfa_reset(sender, request, user, authenticator, **kwargs):
    audit_record(action="mfa.reset", actor=user, payload={"kind": authenticator.type})


@receiver(mfa_signals.authentication_failed, dispatch_uid="audit_mfa_failed")
def _mfa_failed(sender, request, user, **kwargs):
    audit_record(action="mfa.failed", actor=user)
