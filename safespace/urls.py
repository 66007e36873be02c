from django.urls import include, path
from django.views.i18n import set_language

from safespace import views

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("help/exit/", views.exit_help, name="exit_help"),
    path("i18n/setlang/", set_language, name="set_language"),
    path("accounts/", include("allauth.urls")),
]
