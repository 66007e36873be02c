"""Request-wide rules that no view may forget."""

from allauth.mfa.models import Authenticator
from django.http import HttpResponseRedirect
from django.urls import Resolver404, resolve, reverse

from safespace.roles import is_staff_role

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
