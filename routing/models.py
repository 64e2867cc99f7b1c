"""Routing keeps the version of the data its index was built from, and the trained learned layer."""
from django.db import models
from django.utils.translation import gettext_lazy as _


class IndexVersion(models.Model):
    """Bumped on every change to the organisation data; each process rebuilds its index when it moves.

    A row in the shared database (rather than a per-process cache) makes an edit saved by one
    worker visible to every worker on every machine at the next request.
    """

    version = models.PositiveBigIntegerField(_("version"), default=0)
    learned = models.PositiveBigIntegerField(_("trained router"), default=0)  # TrainedRouter id in use

    class Meta:
        verbose_name = _("routing index version")
        verbose_name_plural = _("routing index versions")

    def __str__(self):
        return str(self.version)


class TrainedRouter(models.Model):
    """A trained learned layer (routing.learning), pickled, shared by every worker.

    Training takes seconds, so it happens once (`train_router`, or the first request on a fresh
    install) and workers load the stored result; records newer than `last_record_id` are added
    at load time so a clerk's correction counts at the next request.
    """

    created = models.DateTimeField(_("created"), auto_now_add=True)
    records = models.PositiveIntegerField(_("records"), default=0)
    last_record_id = models.PositiveBigIntegerField(_("last record id"), default=0)
    fingerprint = models.CharField(_("fingerprint"), max_length=64, db_index=True)
    seconds = models.FloatField(_("training seconds"), default=0.0)
    blob = models.BinaryField(_("model"))

    class Meta:
        verbose_name = _("trained router")
        verbose_name_plural = _("trained routers")
        ordering = ["-id"]

    def __str__(self):
        return f"{self.created:%Y-%m-%d %H:%M} ({self.records})"
