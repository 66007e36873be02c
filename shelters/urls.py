from django.urls import path

from shelters import views

urlpatterns = [
    path("", views.shelter_list, name="shelter_list"),
]
