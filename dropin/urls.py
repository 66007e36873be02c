"""The drop-in, outreach, activities and peer groups, under /dropin/."""

from django.urls import path

from dropin import views

# --- Drop-in: sites, services, sessions and visits ---
urlpatterns = [
    path("", views.dropin_home, name="dropin_home"),
]

# --- Collective activities and peer groups ---
from dropin import group_views  # noqa: E402

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
