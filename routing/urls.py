from django.urls import path

from routing import views

app_name = "routing"
urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("api/route", views.route_api, name="route_api"),
    path("route/", views.route_page, name="route"),
    path("route/record/", views.record_view, name="record"),
    path("route/dashboard/", views.dashboard, name="dashboard"),
]
