"""The drop-in, outreach, activities and peer groups, under /dropin/."""

from django.urls import path

from dropin import views

# --- Drop-in: sites, services, sessions and visits ---
urlpatterns = [
    path("", views.dropin_home, name="dropin_home"),
]

# --- Sites, the services catalogue, and individual support ---
from dropin import catalogue_views  # noqa: E402

urlpatterns += [
    path("sites/", catalogue_views.site_list, name="dropin_sites"),
    path("sites/<int:pk>/edit/", catalogue_views.site_edit, name="dropin_site_edit"),
    path("services/", catalogue_views.service_list, name="dropin_services"),
    path("services/<int:pk>/edit/", catalogue_views.service_edit, name="dropin_service_edit"),
    path("support/<int:pk>/", catalogue_views.support_list, name="dropin_support_list"),
    path("support/<int:pk>/new/", catalogue_views.support_new, name="dropin_support_new"),
]
