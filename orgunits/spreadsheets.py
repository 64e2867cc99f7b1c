"""Units, duties and portfolio entries as spreadsheet rows (CSV, XLSX) for the admin's import and export.

Rows name offices, units and subjects by slug, so a sheet reads like the fixtures and survives a
round trip through a spreadsheet program. An import goes through the same gates as any other
admin write: `orgunits.access` decides which offices the user may change (a row outside them is
refused, whether it names another office or points at another office's row), each row is
validated like a form (`full_clean`), units are saved through `unit_save` (which locks the
office's tree and refuses impossible moves), and every change is recorded in the history with
the importing user. The admin previews the whole sheet first and imports it in one transaction.
"""
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.utils.translation import gettext as _
from import_export import fields, resources, widgets

from orgunits.access import user_can_edit_object
from orgunits.models import Duty, Office, PortfolioEntry, Subject, Unit
from orgunits.services import unit_save

IMPORT_REASON = "spreadsheet import"


class SlugWidget(widgets.ForeignKeyWidget):
    """A foreign key written as a slug; an unknown slug is a readable row error."""

    def clean(self, value, row=None, **kwargs):
        try:
            return super().clean(value, row, **kwargs)
        except ObjectDoesNotExist:
            raise ValueError(
                _("There is no %(model)s %(slug)r.") % {"model": self.model._meta.verbose_name, "slug": value}
            ) from None


class UnitInOfficeWidget(SlugWidget):
    """A unit written as its slug within the row's office (unit slugs are unique per office only)."""

    def __init__(self):
        super().__init__(Unit, "slug")

    def get_queryset(self, value, row, *args, **kwargs):
        return Unit.objects.filter(office__slug=(row or {}).get("office") or "")

    def render(self, value, obj=None, **kwargs):
        return value.slug if value else ""


def office_slug_field():
    """The office of a duty or portfolio entry: exported for reading, used on import to find the unit."""
    return fields.Field(column_name="office", attribute="unit__office__slug", readonly=True)


class OfficeScopedResource(resources.ModelResource):
    """Refuse rows the importing user may not write, and record who imported what."""

    def import_instance(self, instance, row, **kwargs):
        user = kwargs.get("user")
        # An existing row of another office stays out of reach, whatever the sheet says it becomes.
        if instance.pk is not None and not user_can_edit_object(user=user, obj=instance):
            raise ValidationError(_("You do not edit the office this row belongs to."))
        super().import_instance(instance, row, **kwargs)
        if _office_known(instance) and not user_can_edit_object(user=user, obj=instance):
            raise ValidationError(_("You do not edit the office this row names."))

    def before_save_instance(self, instance, row, **kwargs):
        instance._history_user = kwargs.get("user")
        instance._change_reason = IMPORT_REASON


def _office_known(instance):
    return getattr(instance, "office_id", None) is not None or getattr(instance, "unit_id", None) is not None


class UnitResource(OfficeScopedResource):
    office = fields.Field(column_name="office", attribute="office", widget=SlugWidget(Office, "slug"))
    parent = fields.Field(column_name="parent", attribute="parent", widget=UnitInOfficeWidget())

    class Meta:
        model = Unit
        fields = ("office", "slug", "parent", "kind", "name_en", "name_zh", "source_label", "order")
        import_id_fields = ("office", "slug")
        skip_unchanged = True
        report_skipped = False

    def filter_export(self, queryset, **kwargs):
        return queryset.select_related("office", "parent").order_by("office__order", "tree_id", "lft")

    def validate_instance(self, instance, import_validation_errors=None, validate_unique=True):
        # The office and slug identify the row; the unique check on them would only repeat that.
        super().validate_instance(instance, import_validation_errors, validate_unique=False)

    def do_instance_save(self, instance, is_create):
        """Through the tree service: it locks the office, refuses cycles and moves the unit in the tree."""
        unit_save(unit=instance)


class DutyResource(OfficeScopedResource):
    office = office_slug_field()
    unit = fields.Field(column_name="unit", attribute="unit", widget=UnitInOfficeWidget())

    class Meta:
        model = Duty
        fields = ("id", "office", "unit", "order", "text_en", "text_zh")
        import_id_fields = ("id",)
        skip_unchanged = True
        report_skipped = False

    def filter_export(self, queryset, **kwargs):
        return queryset.select_related("unit__office").order_by(
            "unit__office__order", "unit__tree_id", "unit__lft", "order", "id"
        )


class PortfolioEntryResource(OfficeScopedResource):
    office = office_slug_field()
    unit = fields.Field(column_name="unit", attribute="unit", widget=UnitInOfficeWidget())
    subject = fields.Field(column_name="subject", attribute="subject", widget=SlugWidget(Subject, "slug"))

    class Meta:
        model = PortfolioEntry
        fields = ("office", "unit", "subject", "order", "scope_en", "scope_zh", "quote")
        import_id_fields = ("unit", "subject")
        skip_unchanged = True
        report_skipped = False

    def filter_export(self, queryset, **kwargs):
        return queryset.select_related("unit__office", "subject").order_by(
            "unit__office__order", "unit__tree_id", "unit__lft", "order", "id"
        )
