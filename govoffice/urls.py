from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("routing.urls")),
    path("", include("apidocs.urls")),
    path("", include("orgunits.urls")),
]

handler404 = "govoffice.errors.page_not_found"
