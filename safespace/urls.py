from django.urls import include, path
from django.views.i18n import set_language

from safespace import views

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("help/exit/", views.exit_help, name="exit_help"),
    path("i18n/setlang/", set_language, name="set_language"),
    path("welcome/", views.welcome, name="welcome"),
    path("team/", views.team_list, name="team_list"),
    path("team/new/", views.team_create, name="team_create"),
    path("team/<int:pk>/", views.team_detail, name="team_detail"),
    path("team/<int:pk>/active/", views.team_active, name="team_active"),
    path("team/<int:pk>/invitation/", views.team_invite, name="team_invite"),
    path("audit/", views.audit_list, name="audit_list"),
    path("people/", include("cases.urls")),
    # --- Life plan (staff side) ---
    path("plans/", include("lifeplans.urls")),
    # --- Drop-in, outreach, activities and peer groups ---
    path("dropin/", include("dropin.urls")),
    # --- Shelters: houses, beds, stays, admissions and follow-ups ---
    path("houses/", include("shelters.urls")),
    # --- Reports: the annual report for funders (coordinators) ---
    path("reports/", include("reports.urls")),
    # allauth (65.22 on) can re-authenticate by a code sent by email: a mailbox may be read by
    # someone else, so here only the password (or MFA) re-authenticates
    path(
        "accounts/reauthenticate/code/",
        views.not_offered,
        name="account_request_reauthentication_code",
    ),
    path(
        "accounts/reauthenticate/code/confirm/",
        views.not_offered,
        name="account_confirm_reauthentication_code",
    ),
    path("accounts/", include("allauth.urls")),
    # her own space (participant portal), under a neutral prefix
    path("me/", include("lifeplans.portal_urls")),
]
