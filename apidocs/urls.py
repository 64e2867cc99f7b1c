from django.urls import path

from apidocs import views

app_name = "apidocs"
urlpatterns = [
    path("api/openapi.json", views.openapi_json, name="openapi"),
    path("api/docs/", views.docs_page, name="docs"),
]
