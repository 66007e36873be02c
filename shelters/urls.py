from django.urls import path

from shelters import views
from shelters.figure_views import shelter_figures
from shelters.follow_up_views import shelter_follow_up_record, shelter_follow_ups

urlpatterns = [
    path("", views.shelter_list, name="shelter_list"),
    # --- Follow-ups after a stay, and the period figures ---
    path("follow-ups/", shelter_follow_ups, name="shelter_follow_ups"),
    path(
        "follow-ups/<int:follow_up_pk>/", shelter_follow_up_record, name="shelter_follow_up_record"
    ),
    path("figures/", shelter_figures, name="shelter_figures"),
]
