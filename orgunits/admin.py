"""Admin for the organisation data. Tree moves go through `orgunits.services.unit_move`."""
from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from mptt.admin import MPTTModelAdmin

from orgunits.models import Duty, Office, OfficeName, PortfolioEntry, Subject, SubjectAlias, Transfer, Unit
from orgunits.services import unit_check_parent, unit_move


class OfficeNameInline(admin.TabularInline):
    model = OfficeName
    extra = 0


class TransferInline(admin.StackedInline):
    model = Transfer
    extra = 0
    filter_horizontal = ("subjects",)


@admin.register(Office)
class OfficeAdmin(admin.ModelAdmin):
    list_display = ("slug", "name_en", "name_zh", "level", "document_number", "document_date")
    list_filter = ("level",)
    search_fields = ("slug", "name_en", "name_zh")
    inlines = (OfficeNameInline, TransferInline)
    fieldsets = (
        (None, {"fields": ("slug", "name_en", "name_zh", "level", "order")}),
        (
            _("Source document"),
            {
                "fields": (
                    "source_file",
                    "source_language",
                    "document_title_en",
                    "document_title_zh",
                    "document_number",
                    "document_date",
                )
            },
        ),
        (_("Contact"), {"fields": ("address_en", "address_zh", "telephone")}),
        (_("Staffing"), {"fields": ("staffing_posts", "staffing_en", "staffing_zh")}),
    )


class DutyInline(admin.StackedInline):
    model = Duty
    extra = 0
    fields = ("order", "text_en", "text_zh")


class PortfolioEntryInline(admin.TabularInline):
    model = PortfolioEntry
    extra = 0
    autocomplete_fields = ("subject",)
    fields = ("order", "subject", "scope_en", "scope_zh", "quote")


class UnitAdminForm(forms.ModelForm):
    class Meta:
        model = Unit
        fields = ("office", "parent", "slug", "kind", "name_en", "name_zh", "source_label", "order")

    def clean(self):
        cleaned = super().clean()
        parent = cleaned.get("parent")
        office = cleaned.get("office")
        if office is None:
            return cleaned
        probe = self.instance
        probe.office = office
        try:
            unit_check_parent(unit=probe, parent=parent)
        except ValidationError as exc:
            self.add_error("parent", exc)
        return cleaned


@admin.register(Unit)
class UnitAdmin(MPTTModelAdmin):
    form = UnitAdminForm
    list_display = ("name_en", "name_zh", "slug", "office", "kind")
    list_filter = ("office", "kind")
    search_fields = ("name_en", "name_zh", "slug", "source_label")
    list_select_related = ("office",)
    autocomplete_fields = ("parent",)
    inlines = (DutyInline, PortfolioEntryInline)
    mptt_level_indent = 24

    def save_model(self, request, obj, form, change):
        if change and "parent" in form.changed_data:
            # Save the other fields in place, then move through the service (locks the tree).
            new_parent = obj.parent
            obj.parent_id = form.initial.get("parent")
            super().save_model(request, obj, form, change)
            unit_move(unit=obj, new_parent=new_parent)
        else:
            super().save_model(request, obj, form, change)


class SubjectAliasInline(admin.TabularInline):
    model = SubjectAlias
    extra = 1
    fields = ("text", "language")


@admin.register(Subject)
class SubjectAdmin(admin.ModelAdmin):
    list_display = ("slug", "name_en", "name_zh", "parent")
    search_fields = ("slug", "name_en", "name_zh", "aliases__text")
    list_select_related = ("parent",)
    autocomplete_fields = ("parent",)
    inlines = (SubjectAliasInline,)


@admin.register(Duty)
class DutyAdmin(admin.ModelAdmin):
    list_display = ("__str__", "unit", "order")
    list_filter = ("unit__office",)
    search_fields = ("text_en", "text_zh", "unit__slug")
    list_select_related = ("unit__office",)
    autocomplete_fields = ("unit",)


@admin.register(PortfolioEntry)
class PortfolioEntryAdmin(admin.ModelAdmin):
    list_display = ("unit", "subject", "scope_en", "scope_zh")
    list_filter = ("unit__office",)
    search_fields = ("subject__slug", "subject__name_en", "subject__name_zh", "unit__slug", "quote")
    list_select_related = ("unit__office", "subject")
    autocomplete_fields = ("unit", "subject")


@admin.register(Transfer)
class TransferAdmin(admin.ModelAdmin):
    list_display = ("__str__", "office", "direction", "body_en")
    list_filter = ("office", "direction")
    search_fields = ("text_en", "text_zh", "body_en", "body_zh")
    filter_horizontal = ("subjects",)
