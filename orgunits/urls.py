from django.urls import path

from orgunits import views

app_name = "orgunits"
urlpatterns = [
    path("", views.home, name="home"),
    path("offices/<slug:office>/", views.office_detail, name="office_detail"),
    path("offices/<slug:office>/<slug:unit>/", views.unit_detail, name="unit_detail"),
    path("subjects/<slug:subject>/", views.subject_detail, name="subject_detail"),
]
