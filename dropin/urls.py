"""The drop-in, outreach, activities and peer groups, under /dropin/."""

from django.urls import path

from dropin import views

# --- Drop-in: sites, services, sessions and visits ---
urlpatterns = [
    path("", views.dropin_home, name="dropin_home"),
]
