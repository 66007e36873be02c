from django.urls import path

from reports import views

urlpatterns = [
    path("", views.report_list, name="report_list"),
    path("<int:pk>/", views.report_detail, name="report_detail"),
    path("<int:pk>/again/", views.report_regenerate, name="report_regenerate"),
    path("<int:pk>/file/<str:kind>/", views.report_download, name="report_download"),
]
