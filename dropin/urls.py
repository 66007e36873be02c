"""The drop-in, outreach, activities and peer groups, under /dropin/."""

from django.urls import path

from dropin import catalogue_views, group_views, outreach_views, views

# --- Drop-in: sessions and visits ---
urlpatterns = [
    path("", views.dropin_home, name="dropin_home"),
    path("sessions/new/", views.dropin_session_new, name="dropin_session_new"),
    path("sessions/<int:pk>/", views.dropin_session, name="dropin_session"),
    path("sessions/<int:pk>/people/", views.dropin_people, name="dropin_people"),
    path("sessions/<int:pk>/visits/", views.dropin_visit_new, name="dropin_visit_new"),
    path(
        "sessions/<int:pk>/visits/<int:visit_pk>/",
        views.dropin_visit_edit,
        name="dropin_visit_edit",
    ),
    path(
        "sessions/<int:pk>/visits/<int:visit_pk>/remove/",
        views.dropin_visit_remove,
        name="dropin_visit_remove",
    ),
    path("sessions/<int:pk>/close/", views.dropin_session_close, name="dropin_session_close"),
    path("sessions/<int:pk>/presence/", views.dropin_presence, name="dropin_presence"),
]

# --- Outreach: street and online rounds, contacts worth following, linking to her file ---

urlpatterns += [
    path("outreach/", outreach_views.outreach_list, name="outreach_list"),
    path("outreach/new/", outreach_views.outreach_new, name="outreach_new"),
    path("outreach/<int:pk>/", outreach_views.outreach_detail, name="outreach_detail"),
    path("outreach/<int:pk>/edit/", outreach_views.outreach_edit, name="outreach_edit"),
    path(
        "outreach/<int:pk>/contacts/new/",
        outreach_views.outreach_contact_new,
        name="outreach_contact_new",
    ),
    path("outreach/link/<int:pk>/", outreach_views.outreach_link, name="outreach_link"),
]

# --- Sites, the services catalogue, and individual support ---

urlpatterns += [
    path("sites/", catalogue_views.site_list, name="dropin_sites"),
    path("sites/<int:pk>/edit/", catalogue_views.site_edit, name="dropin_site_edit"),
    path("services/", catalogue_views.service_list, name="dropin_services"),
    path("services/<int:pk>/edit/", catalogue_views.service_edit, name="dropin_service_edit"),
    path("support/<int:pk>/", catalogue_views.support_list, name="dropin_support_list"),
    path("support/<int:pk>/new/", catalogue_views.support_new, name="dropin_support_new"),
]

# --- Collective activities and peer groups ---

urlpatterns += [
    path("activities/", group_views.activity_list, name="activity_list"),
    path("activities/new/", group_views.activity_new, name="activity_new"),
    path("activities/<int:pk>/", group_views.activity_detail, name="activity_detail"),
    path("activities/<int:pk>/people/", group_views.activity_people, name="activity_people"),
    path(
        "activities/<int:pk>/sessions/<int:session_pk>/",
        group_views.activity_session_edit,
        name="activity_session_edit",
    ),
    path("groups/", group_views.peer_group_list, name="peer_group_list"),
    path("groups/new/", group_views.peer_group_new, name="peer_group_new"),
    path("groups/<int:pk>/", group_views.peer_group_detail, name="peer_group_detail"),
    path(
        "groups/<int:pk>/members/new/",
        group_views.peer_group_member_new,
        name="peer_group_member_new",
    ),
    path(
        "groups/<int:pk>/members/<int:member_pk>/leave/",
        group_views.peer_group_member_leave,
        name="peer_group_member_leave",
    ),
    path(
        "groups/<int:pk>/sessions/new/",
        group_views.peer_group_session_new,
        name="peer_group_session_new",
    ),
    path("groups/<int:pk>/close/", group_views.peer_group_close, name="peer_group_close"),
]
