"""Routing's rows: the shared data versions, the log of routed matters, who may add to it, the trained router."""
import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

MAX_RECORD_TEXT_CHARS = 20_000
# Control characters (tab and line breaks are fine) and non-characters break XML, terminals and files.
_UNSAFE_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufdd0-\ufdef\ufffe\uffff\ud800-\udfff]")


def text_problem(text):
    """What is wrong with a text's characters, or "" when nothing is."""
    match = _UNSAFE_CHARACTERS.search(text)
    return f"contains the control character or non-character U+{ord(match.group()):04X}" if match else ""


def validate_text_characters(value):
    if _UNSAFE_CHARACTERS.search(value):
        raise ValidationError(_("Remove the control characters from the text."), code="control_characters")


class IndexVersion(models.Model):
    """Bumped on every change to the organisation data; each process rebuilds its index when it moves.

    A row in the shared database (rather than a per-process cache) makes an edit saved by one
    worker visible to every worker on every machine at the next request.
    """

    version = models.PositiveBigIntegerField(_("version"), default=0)
    learned = models.PositiveBigIntegerField(_("trained router"), default=0)  # TrainedRouter id in use
    # Moves on every write to the routing records, so that whatever learns from them can retrain.
    records_version = models.PositiveBigIntegerField(_("records version"), default=0)

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


class StoredIndex(models.Model):
    """The routing engine's index for one data version, pickled, so that it is built once and shared.

    Building the index reads every office and tokenises every duty (seconds with hundreds of
    offices); loading the stored one takes a fraction of that. The first process that sees a new
    data version builds and stores it; every other worker loads it. The build re-reads only the
    offices whose data changed since the last stored index, reusing the others' parts.
    """

    version = models.PositiveBigIntegerField(_("data version"))
    format = models.CharField(_("format"), max_length=64)  # the engine's shape; another one is rebuilt
    created = models.DateTimeField(_("created"), auto_now_add=True)
    seconds = models.FloatField(_("build seconds"), default=0.0)
    blob = models.BinaryField(_("index"))
    # The offices as read for this index (engine.OfficePart), for the next build to reuse the unchanged ones.
    parts = models.BinaryField(_("office parts"), null=True)
    offices_read = models.PositiveIntegerField(_("offices read"), default=0)

    class Meta:
        verbose_name = _("stored routing index")
        verbose_name_plural = _("stored routing indexes")
        constraints = [models.UniqueConstraint(fields=["version", "format"], name="stored_index_version_format")]
        ordering = ["-version"]

    def __str__(self):
        return f"{self.version} ({self.format})"


class RoutingRecord(models.Model):
    """One routed matter: its text, the unit that handles it (or none) and what the router had suggested.

    The dispatch log a hotline keeps: clerks add to it from the route page, and past logs are
    imported from files. `external_id` names a row of an imported file, so a second import of
    the same file updates rows instead of adding them again.
    """

    class Outcome(models.TextChoices):
        CONFIRMED = "confirmed", _("confirmed")
        CORRECTED = "corrected", _("corrected")
        NO_UNIT = "no_unit", _("no unit")

    class Source(models.TextChoices):
        CLERK = "clerk", _("clerk")
        IMPORT = "import", _("import")

    office = models.ForeignKey(
        "orgunits.Office", on_delete=models.PROTECT, related_name="routing_records", verbose_name=_("office")
    )
    text = models.TextField(
        _("matter"), validators=[MaxLengthValidator(MAX_RECORD_TEXT_CHARS), validate_text_characters]
    )
    unit = models.ForeignKey(
        "orgunits.Unit", on_delete=models.SET_NULL, null=True, blank=True, related_name="routing_records",
        verbose_name=_("unit"), help_text=_("The unit that handles the matter; empty when no unit of the office does."),
    )
    subject = models.ForeignKey(
        "orgunits.Subject", on_delete=models.SET_NULL, null=True, blank=True, related_name="routing_records",
        verbose_name=_("subject"),
    )
    outcome = models.CharField(_("outcome"), max_length=20, choices=Outcome.choices)
    suggested_unit = models.ForeignKey(
        "orgunits.Unit", on_delete=models.SET_NULL, null=True, blank=True, related_name="suggested_in_records",
        verbose_name=_("suggested unit"), help_text=_("The router's first answer; empty when it found none."),
    )
    reason = models.TextField(
        _("reason"), blank=True, validators=[MaxLengthValidator(2000), validate_text_characters]
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="routing_records",
        verbose_name=_("recorded by"),
    )
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now, db_index=True)
    source = models.CharField(_("source"), max_length=10, choices=Source.choices, default=Source.CLERK)
    external_id = models.CharField(_("external id"), max_length=200, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-recorded_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "office", "external_id"],
                condition=~Q(external_id=""),
                name="unique_record_external_id",
                violation_error_message=_("A record with this id already exists for this office."),
            )
        ]
        verbose_name = _("routing record")
        verbose_name_plural = _("routing records")

    def __str__(self):
        return f"{self.text[:60]} → {self.unit.slug if self.unit_id else '-'}"

    def clean(self):
        errors = {}
        for name in ("unit", "suggested_unit"):
            unit = getattr(self, name)
            if unit is not None and self.office_id is not None and unit.office_id != self.office_id:
                errors[name] = _("The unit must belong to the record's office.")
        if self.outcome == self.Outcome.NO_UNIT and self.unit_id is not None:
            errors["outcome"] = _("A record with a unit cannot have the outcome “no unit”.")
        elif self.outcome in (self.Outcome.CONFIRMED, self.Outcome.CORRECTED) and self.unit_id is None:
            errors["outcome"] = _("Choose the unit, or the outcome “no unit”.")
        if errors:
            raise ValidationError(errors)


class OfficeRecorder(models.Model):
    """A staff user who records routed matters for one office (a clerk).

    Office editors and superusers may record too; this grant is for clerks who should not edit
    the organisation data.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="office_recorder_roles", verbose_name=_("user")
    )
    office = models.ForeignKey(
        "orgunits.Office", on_delete=models.CASCADE, related_name="recorders", verbose_name=_("office")
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["office", "user"]
        constraints = [models.UniqueConstraint(fields=["user", "office"], name="unique_recorder_per_office")]
        verbose_name = _("office clerk")
        verbose_name_plural = _("office clerks")

    def __str__(self):
        return f"{self.user} → {self.office.slug}"
