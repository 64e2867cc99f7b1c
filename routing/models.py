"""Routing keeps one row: the version of the organisation data its index was built from."""
from django.db import models
from django.utils.translation import gettext_lazy as _


class IndexVersion(models.Model):
    """Bumped on every change to the organisation data; each process rebuilds its index when it moves.

    A row in the shared database (rather than a per-process cache) makes an edit saved by one
    worker visible to every worker on every machine at the next request.
    """

    version = models.PositiveBigIntegerField(_("version"), default=0)

    class Meta:
        verbose_name = _("routing index version")
        verbose_name_plural = _("routing index versions")

    def __str__(self):
        return str(self.version)
