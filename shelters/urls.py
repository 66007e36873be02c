from django.urls import path

from shelters import admission_views, figure_views, follow_up_views, stay_views, views

urlpatterns = [
    path("", views.shelter_list, name="shelter_list"),
    path("new/", views.shelter_new, name="shelter_new"),
    path("<int:pk>/", views.shelter_detail, name="shelter_detail"),
    path("<int:pk>/month/", views.shelter_calendar, name="shelter_calendar"),
    path("<int:pk>/address/", views.shelter_address, name="shelter_address"),
    path("<int:pk>/change/", views.shelter_edit, name="shelter_edit"),
    path("<int:pk>/beds/", views.shelter_beds, name="shelter_beds"),
    path("beds/<int:bed_pk>/use/", views.shelter_bed_active, name="shelter_bed_active"),
    # --- Admission requests (the waiting list) ---
    path("requests/", admission_views.shelter_requests, name="shelter_requests"),
    path(
        "people/<int:pk>/request/",
        admission_views.shelter_request_new,
        name="shelter_request_new",
    ),
    path(
        "requests/<int:request_pk>/",
        admission_views.shelter_request_detail,
        name="shelter_request_detail",
    ),
    # --- Stays from the screen: admit, end, move ---
    path("people/<int:pk>/admit/", stay_views.shelter_admit, name="shelter_admit"),
    path("stays/<int:stay_pk>/end/", stay_views.shelter_stay_end, name="shelter_stay_end"),
    path("stays/<int:stay_pk>/move/", stay_views.shelter_stay_move, name="shelter_stay_move"),
    path(
        "stays/<int:stay_pk>/departure/",
        stay_views.shelter_stay_departure,
        name="shelter_stay_departure",
    ),
    # --- Follow-ups after a stay, and the period figures ---
    path("follow-ups/", follow_up_views.shelter_follow_ups, name="shelter_follow_ups"),
    path(
        "follow-ups/<int:follow_up_pk>/",
        follow_up_views.shelter_follow_up_record,
        name="shelter_follow_up_record",
    ),
    path("figures/", figure_views.shelter_figures, name="shelter_figures"),
]
