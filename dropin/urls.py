"""The drop-in, outreach, activities and peer groups, under /dropin/."""

from django.urls import path

from dropin import views

# --- Drop-in: sites, services, sessions and visits ---
urlpatterns = [
    path("", views.dropin_home, name="dropin_home"),
]

# --- Outreach: street and online rounds, contacts worth following, linking to her file ---
from dropin import outreach_views  # noqa: E402

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
