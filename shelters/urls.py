from django.urls import path

from shelters import stay_views, views

urlpatterns = [
    path("", views.shelter_list, name="shelter_list"),
    # --- Stays from the screen: admit, end, move ---
    path("people/<int:pk>/admit/", stay_views.shelter_admit, name="shelter_admit"),
    path("stays/<int:stay_pk>/end/", stay_views.shelter_stay_end, name="shelter_stay_end"),
    path("stays/<int:stay_pk>/move/", stay_views.shelter_stay_move, name="shelter_stay_move"),
]
