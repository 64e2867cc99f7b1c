from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApiDocsConfig(AppConfig):
    name = "apidocs"
    verbose_name = _("API description")
