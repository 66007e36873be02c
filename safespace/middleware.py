"""Request-wide rules that no view may forget."""

import time

from allauth.mfa.models import Authenticator
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpResponseRedirect
from django.urls import Resolver404, resolve, reverse
from django.utils.translation import gettext as _

from safespace.roles import Role, is_staff_role, role_of

# What a staff member without an authenticator may still reach: enrolment itself,
# signing out, and the pages that carry no data.
MFA_ENROLMENT_ALLOWED = frozenset(
    {
        "mfa_activate_totp",
        "mfa_add_webauthn",
        "mfa_index",
        "mfa_view_recovery_codes",
        "mfa_generate_recovery_codes",
        "mfa_download_recovery_codes",
        "mfa_reauthenticate",
        "account_reauthenticate",
        "account_logout",
        "set_language",
        "exit_help",
        "healthz",
    }
)
_STRONG_TYPES = (Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN)


def has_strong_authenticator(user) -> bool:
    return Authenticator.objects.filter(user=user, type__in=_STRONG_TYPES).exists()


class StaffMFAEnrolmentMiddleware:
    """Staff without an authenticator are sent to enrolment and reach nothing else."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and is_staff_role(user):
            try:
                name = resolve(request.path_info).url_name
            except Resolver404:
                name = None
            if name not in MFA_ENROLMENT_ALLOWED and not has_strong_authenticator(user):
                target = reverse("mfa_activate_totp")
                if getattr(request, "htmx", False):
                    response = HttpResponseRedirect(target)
                    response["HX-Redirect"] = target
                    return response
                return HttpResponseRedirect(target)
        return self.get_response(request)


SESSION_AUTH_AT = "ss_auth_at"
SESSION_SEEN_AT = "ss_seen_at"
# write the "last seen" mark at most this often, not on every request
_SEEN_RESOLUTION = 30


def session_limits(user) -> tuple[int, int]:
    """(idle, absolute) lifetimes in seconds for this user's sessions."""
    idle = (
        settings.SAFESPACE_SESSION_IDLE_PARTICIPANT_SECONDS
        if role_of(user) == Role.PARTICIPANT
        else settings.SAFESPACE_SESSION_IDLE_STAFF_SECONDS
    )
    return idle, settings.SAFESPACE_SESSION_ABSOLUTE_SECONDS


class SessionTimeoutMiddleware:
    """Ends a session after a spell of inactivity, and in any case after an absolute limit.

    Shared phones and reception computers: a session left open must close by itself.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            now = int(time.time())
            idle, absolute = session_limits(user)
            auth_at = request.session.get(SESSION_AUTH_AT)
            seen_at = request.session.get(SESSION_SEEN_AT, auth_at)
            if auth_at is None:
                # a session from before this rule: start counting now
                request.session[SESSION_AUTH_AT] = auth_at = seen_at = now
            if now - seen_at > idle or now - auth_at > absolute:
                logout(request)
                messages.info(request, _("You were signed out to keep your space private."))
                login_url = reverse("account_login")
                response = HttpResponseRedirect(login_url)
                if getattr(request, "htmx", False):
                    response["HX-Redirect"] = login_url
                return response
            if now - seen_at >= _SEEN_RESOLUTION:
                request.session[SESSION_SEEN_AT] = now
        return self.get_response(request)
