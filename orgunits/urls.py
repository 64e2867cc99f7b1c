from django.urls import path

from orgunits import api, api_formats, views

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
    path("api/offices/<slug:office>/popolo.json", api_formats.office_popolo, name="api_office_popolo"),
    path("api/offices/<slug:office>/org.jsonld", api_formats.office_org, name="api_office_org"),
    path("api/offices/<slug:office>/units.csv", api_formats.office_units_csv, name="api_office_units_csv"),
    path("api/subjects.jsonld", api_formats.subjects_jsonld, name="api_subjects_jsonld"),
    path("api/open311/services.json", api_formats.open311_services, {"fmt": "json"}, name="open311_services"),
    path("api/open311/services.xml", api_formats.open311_services, {"fmt": "xml"}, name="open311_services_xml"),
    path("api/open311/services/<str:code>.json", api_formats.open311_service_definition, name="open311_service"),
]
