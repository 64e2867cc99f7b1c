from django.urls import path

from orgunits import api, views

app_name = "orgunits"
urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("offices/<slug:office>/", views.OfficeDetailView.as_view(), name="office_detail"),
    path("offices/<slug:office>/chart.svg", views.OfficeChartView.as_view(), name="office_chart"),
    path("offices/<slug:office>/<slug:unit>/", views.UnitDetailView.as_view(), name="unit_detail"),
    path("subjects/", views.SubjectListView.as_view(), name="subject_list"),
    path("subjects/<slug:subject>/", views.SubjectDetailView.as_view(), name="subject_detail"),
    path("search/", views.UnitSearchView.as_view(), name="search"),
    path("api/offices/", api.office_list, name="api_office_list"),
    path("api/offices/<slug:office>/", api.office_detail, name="api_office_detail"),
    path("api/subjects/", api.subject_list, name="api_subject_list"),
]
