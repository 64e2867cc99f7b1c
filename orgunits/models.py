"""The organisation of each General Office: offices, their unit trees, duties and portfolios."""
from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from mptt.managers import TreeManager
from mptt.models import MPTTModel, TreeForeignKey
from simple_history.models import HistoricalRecords

from orgunits.validators import validate_org_slug, validate_printable_text

# mptt's bookkeeping is derived from the parent links; keeping it out of the history means a revert
# never writes stale tree positions (the current ones are kept, and a changed parent is a move).
TREE_FIELDS = ("lft", "rght", "tree_id", "level")
# Free text refuses control characters, which exports, terminals and the SVG chart cannot carry.
PRINTABLE = [validate_printable_text]


class BilingualNameMixin:
    """`name` in the active language, the other language as `other_name`."""

    @property
    def name(self):
        return self.name_zh if _is_chinese() else self.name_en

    @property
    def other_name(self):
        return self.name_en if _is_chinese() else self.name_zh


def _is_chinese():
    return (get_language() or "en").lower().startswith("zh")


class OfficeManager(models.Manager):
    def get_by_natural_key(self, slug):
        return self.get(slug=slug)


class Office(BilingualNameMixin, models.Model):
    class Level(models.TextChoices):
        PROVINCE = "province", _("province")
        CITY = "city", _("city")

    class Language(models.TextChoices):
        ENGLISH = "en", _("English")
        CHINESE = "zh", _("Chinese")

    slug = models.SlugField(_("slug"), max_length=50, unique=True, validators=[validate_org_slug])
    name_en = models.CharField(_("English name"), max_length=200, validators=PRINTABLE)
    name_zh = models.CharField(_("Chinese name"), max_length=200, validators=PRINTABLE)
    level = models.CharField(_("level"), max_length=20, choices=Level.choices)
    # The province the office belongs to (itself, for a provincial office): the home page groups by it.
    province_en = models.CharField(_("province (English)"), max_length=100, blank=True, validators=PRINTABLE)
    province_zh = models.CharField(_("province (Chinese)"), max_length=100, blank=True, validators=PRINTABLE)
    order = models.PositiveIntegerField(_("order"), default=0)
    source_file = models.CharField(_("source file"), max_length=200, validators=PRINTABLE)
    source_language = models.CharField(_("source language"), max_length=2, choices=Language.choices)
    document_title_en = models.CharField(
        _("document title (English)"), max_length=300, blank=True, validators=PRINTABLE
    )
    document_title_zh = models.CharField(
        _("document title (Chinese)"), max_length=300, blank=True, validators=PRINTABLE
    )
    document_number = models.CharField(_("document number"), max_length=100, blank=True, validators=PRINTABLE)
    document_date = models.DateField(_("document date"), null=True, blank=True)
    address_en = models.CharField(_("address (English)"), max_length=300, blank=True, validators=PRINTABLE)
    address_zh = models.CharField(_("address (Chinese)"), max_length=300, blank=True, validators=PRINTABLE)
    telephone = models.CharField(_("telephone"), max_length=100, blank=True, validators=PRINTABLE)
    staffing_posts = models.PositiveIntegerField(_("administrative posts"), null=True, blank=True)
    staffing_en = models.TextField(_("staffing (English)"), blank=True, validators=PRINTABLE)
    staffing_zh = models.TextField(_("staffing (Chinese)"), blank=True, validators=PRINTABLE)

    objects = OfficeManager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["order", "slug"]
        verbose_name = _("office")
        verbose_name_plural = _("offices")

    def __str__(self):
        return self.name_en

    def get_absolute_url(self):
        return reverse("orgunits:office_detail", kwargs={"office": self.slug})

    def natural_key(self):
        return (self.slug,)

    @property
    def staffing(self):
        return self.staffing_zh if _is_chinese() else self.staffing_en

    @property
    def province(self):
        return self.province_zh if _is_chinese() and self.province_zh else self.province_en

    @property
    def address(self):
        return self.address_zh if _is_chinese() and self.address_zh else self.address_en


class OfficeName(BilingualNameMixin, models.Model):
    """Another name the office bears, e.g. a nameplate it also carries (挂…牌子)."""

    office = models.ForeignKey(Office, on_delete=models.CASCADE, related_name="other_names", verbose_name=_("office"))
    name_en = models.CharField(_("English name"), max_length=200, validators=PRINTABLE)
    name_zh = models.CharField(_("Chinese name"), max_length=200, validators=PRINTABLE)
    quote = models.TextField(_("source wording"), blank=True, validators=PRINTABLE)
    order = models.PositiveIntegerField(_("order"), default=0)

    history = HistoricalRecords()

    class Meta:
        ordering = ["office", "order"]
        verbose_name = _("other name")
        verbose_name_plural = _("other names")

    def __str__(self):
        return self.name_en


class Subject(BilingualNameMixin, models.Model):
    """A subject area of the shared taxonomy (tourism, coal safety, prisons…)."""

    slug = models.SlugField(_("slug"), max_length=80, unique=True, validators=[validate_org_slug])
    name_en = models.CharField(_("English name"), max_length=200, validators=PRINTABLE)
    name_zh = models.CharField(_("Chinese name"), max_length=200, validators=PRINTABLE)
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children", verbose_name=_("parent")
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["name_en"]
        verbose_name = _("subject")
        verbose_name_plural = _("subjects")
        # The taxonomy is shared by every office: one permission covers subjects and their aliases.
        permissions = [("edit_taxonomy", _("Can edit the shared subject taxonomy"))]

    def __str__(self):
        return self.name_en

    def get_absolute_url(self):
        return reverse("orgunits:subject_detail", kwargs={"subject": self.slug})

    def natural_key(self):
        return (self.slug,)


class SubjectAlias(models.Model):
    """Another way people name a subject: a synonym, abbreviation or everyday phrasing."""

    subject = models.ForeignKey(Subject, on_delete=models.CASCADE, related_name="aliases", verbose_name=_("subject"))
    text = models.CharField(_("alias"), max_length=200, validators=PRINTABLE)
    language = models.CharField(_("language"), max_length=2, choices=Office.Language.choices)

    history = HistoricalRecords()

    class Meta:
        ordering = ["subject", "id"]
        constraints = [models.UniqueConstraint(fields=["subject", "text"], name="unique_alias_per_subject")]
        verbose_name = _("subject alias")
        verbose_name_plural = _("subject aliases")

    def __str__(self):
        return self.text


class UnitManager(TreeManager):
    def get_by_natural_key(self, office_slug, slug):
        return self.get(office__slug=office_slug, slug=slug)


class Unit(BilingualNameMixin, MPTTModel):
    """A unit of an office; each office is one tree whose root is the General Office itself."""

    class Kind(models.TextChoices):
        OFFICE = "office", _("office")
        DIVISION = "division", _("division")
        SECTION = "section", _("section")
        ROOM = "room", _("room")
        COMMITTEE = "committee", _("committee")
        INSTITUTION = "institution", _("institution")
        REPRESENTATIVE_OFFICE = "representative-office", _("representative office")
        MANAGED_AGENCY = "managed-agency", _("managed agency")

    office = models.ForeignKey(Office, on_delete=models.PROTECT, related_name="units", verbose_name=_("office"))
    parent = TreeForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children", verbose_name=_("parent unit")
    )
    slug = models.SlugField(_("slug"), max_length=80, validators=[validate_org_slug])
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    name_en = models.CharField(_("English name"), max_length=300, validators=PRINTABLE)
    name_zh = models.CharField(_("Chinese name"), max_length=300, validators=PRINTABLE)
    source_label = models.CharField(_("label in the source"), max_length=300, validators=PRINTABLE)
    order = models.PositiveIntegerField(_("order"), default=0)

    objects = UnitManager()
    history = HistoricalRecords(excluded_fields=TREE_FIELDS)

    class MPTTMeta:
        # The slug breaks ties (a moved unit keeps its number), so a move and a rebuild agree.
        order_insertion_by = ["order", "slug"]

    class Meta:
        constraints = [models.UniqueConstraint(fields=["office", "slug"], name="unique_unit_slug_per_office")]
        verbose_name = _("unit")
        verbose_name_plural = _("units")

    def __str__(self):
        return f"{self.name_en} ({self.office.slug})"

    def get_absolute_url(self):
        return reverse("orgunits:unit_detail", kwargs={"office": self.office.slug, "unit": self.slug})

    def natural_key(self):
        return (self.office.slug, self.slug)


class Duty(models.Model):
    """One duty sentence of a unit: verbatim in the source language, faithfully rendered in the other."""

    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="duties", verbose_name=_("unit"))
    order = models.PositiveIntegerField(_("order"), default=0)
    text_en = models.TextField(_("English text"), validators=PRINTABLE)
    text_zh = models.TextField(_("Chinese text"), validators=PRINTABLE)

    history = HistoricalRecords()

    class Meta:
        ordering = ["unit", "order", "id"]
        verbose_name = _("duty")
        verbose_name_plural = _("duties")

    def __str__(self):
        return self.text_en[:80]

    @property
    def text(self):
        return self.text_zh if _is_chinese() else self.text_en

    @property
    def other_text(self):
        return self.text_en if _is_chinese() else self.text_zh


class PortfolioEntry(models.Model):
    """A subject area that a unit's duties assign to it, with the scope note the source gives."""

    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="portfolio", verbose_name=_("unit"))
    subject = models.ForeignKey(
        Subject, on_delete=models.PROTECT, related_name="portfolio_entries", verbose_name=_("subject")
    )
    order = models.PositiveIntegerField(_("order"), default=0)
    scope_en = models.CharField(_("scope (English)"), max_length=300, blank=True, validators=PRINTABLE)
    scope_zh = models.CharField(_("scope (Chinese)"), max_length=300, blank=True, validators=PRINTABLE)
    quote = models.TextField(_("source wording"), blank=True, validators=PRINTABLE)

    history = HistoricalRecords()

    class Meta:
        ordering = ["unit", "order", "id"]
        constraints = [models.UniqueConstraint(fields=["unit", "subject"], name="unique_subject_per_unit")]
        verbose_name = _("portfolio entry")
        verbose_name_plural = _("portfolio entries")

    def __str__(self):
        return f"{self.unit.slug} × {self.subject.slug}"

    @property
    def scope(self):
        return self.scope_zh if _is_chinese() else self.scope_en


class Transfer(models.Model):
    """A function the source says moved out of the office (to a named body) or into it."""

    class Direction(models.TextChoices):
        OUT = "out", _("moved out")
        IN = "in", _("added")

    office = models.ForeignKey(Office, on_delete=models.CASCADE, related_name="transfers", verbose_name=_("office"))
    order = models.PositiveIntegerField(_("order"), default=0)
    direction = models.CharField(_("direction"), max_length=3, choices=Direction.choices)
    text_en = models.TextField(_("function (English)"), validators=PRINTABLE)
    text_zh = models.TextField(_("function (Chinese)"), validators=PRINTABLE)
    quote = models.TextField(_("source wording"), blank=True, validators=PRINTABLE)
    body_en = models.CharField(_("body (English)"), max_length=200, blank=True, validators=PRINTABLE)
    body_zh = models.CharField(_("body (Chinese)"), max_length=200, blank=True, validators=PRINTABLE)
    subjects = models.ManyToManyField(Subject, blank=True, related_name="transfers", verbose_name=_("subjects"))

    history = HistoricalRecords(m2m_fields=[subjects])

    class Meta:
        ordering = ["office", "order", "id"]
        verbose_name = _("transfer")
        verbose_name_plural = _("transfers")

    def __str__(self):
        return self.text_en[:80]

    @property
    def text(self):
        return self.text_zh if _is_chinese() else self.text_en

    @property
    def body(self):
        return self.body_zh if _is_chinese() and self.body_zh else self.body_en


class OfficeEditor(models.Model):
    """A user who edits one office's data in the admin. Superusers edit every office without one."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="office_editor_roles", verbose_name=_("user")
    )
    office = models.ForeignKey(Office, on_delete=models.CASCADE, related_name="editors", verbose_name=_("office"))

    history = HistoricalRecords()

    class Meta:
        ordering = ["office", "user"]
        constraints = [models.UniqueConstraint(fields=["user", "office"], name="unique_editor_per_office")]
        verbose_name = _("office editor")
        verbose_name_plural = _("office editors")

    def __str__(self):
        return f"{self.user} → {self.office.slug}"
