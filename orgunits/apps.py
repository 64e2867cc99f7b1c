from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrgunitsConfig(AppConfig):
    name = "orgunits"
    verbose_name = _("Organisation")
