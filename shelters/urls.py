from django.urls import path

from shelters import admission_views, views

urlpatterns = [
    path("", views.shelter_list, name="shelter_list"),
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
]
