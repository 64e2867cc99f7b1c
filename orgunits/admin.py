"""Admin for the organisation data.

Who sees what is decided in `orgunits.access`: office editors work on their own offices only,
the shared subject taxonomy needs its own permission. Every model keeps a change history
(django-simple-history) that the admin shows and can revert. Unit writes (add, edit, move,
delete) go through `orgunits.services`, which lock the office's tree.
"""
from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import quote, unquote
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from import_export.admin import ImportExportMixin
from import_export.formats.base_formats import CSV, XLSX
from mptt.admin import MPTTModelAdmin
from simple_history.admin import SimpleHistoryAdmin

from orgunits.access import (
    editable_office_ids,
    object_exists,
    scope_to_editor,
    user_can_edit_object,
    user_can_edit_taxonomy,
    user_is_office_editor,
)
from orgunits.models import (
    Duty,
    Office,
    OfficeEditor,
    OfficeName,
    PortfolioEntry,
    Subject,
    SubjectAlias,
    Transfer,
    Unit,
)
from orgunits.services import unit_check_parent, unit_delete, unit_delete_problem, unit_save
from orgunits.spreadsheets import DutyResource, PortfolioEntryResource, UnitResource

WITH_CONTENT = "with_content"


# Office scoping -----------------------------------------------------------------------------


class OfficeScopedMixin:
    """Narrow an admin (or inline) to the offices the user edits; superusers see everything.

    Lists, autocomplete and bulk actions start from `get_queryset`; change, delete and history
    pages of another office's object answer 403; foreign-key choices (office, unit, parent)
    offer only the user's offices.
    """

    def get_queryset(self, request):
        return scope_to_editor(user=request.user, queryset=super().get_queryset(request))

    def has_module_permission(self, request):
        return user_is_office_editor(request.user)

    def has_view_permission(self, request, obj=None):
        return self._may_edit(request, obj)

    def has_change_permission(self, request, obj=None):
        return self._may_edit(request, obj)

    def has_add_permission(self, request, obj=None):
        return self._may_edit(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self._may_edit(request, obj)

    def _may_edit(self, request, obj):
        if not user_is_office_editor(request.user):
            return False
        return obj is None or user_can_edit_object(user=request.user, obj=obj)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.related_model in (Office, Unit):
            kwargs["queryset"] = scope_to_editor(
                user=request.user, queryset=db_field.related_model._default_manager.all()
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class RestorableMixin:
    """After a delete, point to the history page the row can be restored from."""

    def response_delete(self, request, obj_display, obj_id):
        response = super().response_delete(request, obj_display, obj_id)
        opts = self.model._meta
        url = reverse(f"admin:{opts.app_label}_{opts.model_name}_history", args=[quote(obj_id)])
        self.message_user(
            request,
            format_html('{} <a href="{}">{}</a>', _("Its history is kept."), url, _("Restore it from its history")),
            messages.INFO,
        )
        return response


class GuardedHistoryMixin:
    """A past version may be viewed or restored only by someone who may edit both it and the row as it is now.

    django-simple-history judges the historical copy alone and saves a POST without asking for
    change permission, so a row moved into another office could be pulled back through an old
    version, and a read-only user could revert. A deleted row is judged by its last version.
    """

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        object_id = unquote(object_id)
        history = self.model.history
        try:
            version = history.filter(**{self.model._meta.pk.attname: object_id, "history_id": version_id}).first()
            current = self.model._default_manager.filter(pk=object_id).first()
            if current is None and version is not None:
                current = history.filter(**{self.model._meta.pk.attname: object_id}).latest().instance
        except (ValueError, TypeError, ValidationError, OverflowError):
            raise Http404 from None
        if version is None:
            raise Http404
        for obj in (current, version.instance):
            if not self.has_view_history_or_change_history_permission(request, obj):
                raise PermissionDenied
            if request.method == "POST" and not self.has_change_history_permission(request, obj):
                raise PermissionDenied
        return super().history_form_view(request, object_id, version_id, extra_context)


class OfficeScopedAdmin(RestorableMixin, GuardedHistoryMixin, OfficeScopedMixin, SimpleHistoryAdmin):
    def get_object(self, request, object_id, from_field=None):
        obj = super().get_object(request, object_id, from_field)
        if obj is None and from_field is None and object_exists(model=self.model, object_id=object_id):
            raise PermissionDenied  # it exists, in an office this user does not edit
        return obj

    def get_list_filter(self, request):
        # Offer only the offices the user can see rows of.
        return [
            (name, admin.RelatedOnlyFieldListFilter) if name in ("office", "unit__office") else name
            for name in super().get_list_filter(request)
        ]


class SpreadsheetMixin(ImportExportMixin):
    """Export and import as CSV or XLSX (`orgunits.spreadsheets`): previewed, then imported in one transaction.

    Exports start from the admin's list, so an editor gets their offices' rows only; imports are
    checked row by row against the offices the user edits.
    """

    import_formats = export_formats = (CSV, XLSX)

    def has_import_permission(self, request):
        return user_is_office_editor(request.user)

    def has_export_permission(self, request):
        return user_is_office_editor(request.user)

    def get_import_data_kwargs(self, **kwargs):
        data = super().get_import_data_kwargs(**kwargs)
        # A refused or invalid row anywhere undoes the whole sheet.
        data["rollback_on_validation_errors"] = True
        return data


# Who edits which office -----------------------------------------------------------------------


class SuperuserOnlyMixin:
    """Only superusers hand out office editing rights (an editor must not widen their own)."""

    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return self.has_module_permission(request)

    has_change_permission = has_add_permission = has_delete_permission = has_view_permission


class OfficeEditorInline(SuperuserOnlyMixin, admin.TabularInline):
    """Shown on the user page (the offices they edit) and on the office page (its editors)."""

    model = OfficeEditor
    extra = 0


# Offices --------------------------------------------------------------------------------------


class OfficeNameInline(OfficeScopedMixin, admin.TabularInline):
    model = OfficeName
    extra = 0


class TransferInline(OfficeScopedMixin, admin.StackedInline):
    model = Transfer
    extra = 0
    filter_horizontal = ("subjects",)


@admin.register(Office)
class OfficeAdmin(OfficeScopedAdmin):
    list_display = ("slug", "name_en", "name_zh", "level", "province_en", "document_number", "document_date")
    list_filter = ("level", "province_en")
    search_fields = ("slug", "name_en", "name_zh")
    inlines = (OfficeNameInline, TransferInline, OfficeEditorInline)
    fieldsets = (
        (None, {"fields": ("slug", "name_en", "name_zh", "level", "province_en", "province_zh", "order")}),
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

    def get_readonly_fields(self, request, obj=None):
        # The slug names the office in every URL and data file; the order is shared by all offices.
        if request.user.is_superuser:
            return ()
        return ("slug", "order")

    def has_add_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser

    def has_delete_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser


@admin.register(OfficeName)
class OfficeNameAdmin(OfficeScopedAdmin):
    list_display = ("name_en", "name_zh", "office")
    list_filter = ("office",)
    search_fields = ("name_en", "name_zh")
    list_select_related = ("office",)


@admin.register(Transfer)
class TransferAdmin(OfficeScopedAdmin):
    list_display = ("__str__", "office", "direction", "body_en")
    list_filter = ("office", "direction")
    search_fields = ("text_en", "text_zh", "body_en", "body_zh")
    list_select_related = ("office",)
    filter_horizontal = ("subjects",)


# Units ----------------------------------------------------------------------------------------


class DutyInline(OfficeScopedMixin, admin.StackedInline):
    model = Duty
    extra = 0
    fields = ("order", "text_en", "text_zh")


class PortfolioEntryInline(OfficeScopedMixin, admin.TabularInline):
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
        # On a change page the office is read-only and so not in the form.
        office = cleaned.get("office") or (self.instance.office if self.instance.office_id else None)
        slug = cleaned.get("slug")
        if office is not None and slug and "office" not in self.fields:
            # Django skips the (office, slug) uniqueness check when the office is not a form field.
            if Unit.objects.filter(office=office, slug=slug).exclude(pk=self.instance.pk).exists():
                self.add_error("slug", _("Another unit of this office already has this slug."))
        if office is None or "parent" not in self.fields:
            return cleaned
        probe = self.instance
        probe.office = office
        if probe.pk:
            # Judge against the tree as stored, not as this (possibly historical) copy remembers it.
            stored = Unit.objects.filter(pk=probe.pk).first()
            if stored is not None:
                probe = stored
        try:
            unit_check_parent(unit=probe, parent=cleaned.get("parent"))
        except ValidationError as exc:
            self.add_error("parent", exc)
        return cleaned


@admin.register(Unit)
class UnitAdmin(SpreadsheetMixin, OfficeScopedAdmin, MPTTModelAdmin):
    resource_classes = (UnitResource,)
    form = UnitAdminForm
    list_display = ("name_en", "name_zh", "slug", "office", "kind")
    list_filter = ("office", "kind")
    search_fields = ("name_en", "name_zh", "slug", "source_label")
    list_select_related = ("office",)
    autocomplete_fields = ("parent",)
    inlines = (DutyInline, PortfolioEntryInline)
    mptt_level_indent = 24

    def get_readonly_fields(self, request, obj=None):
        # A unit never changes office: its sub-units, duties and links would be left behind.
        return ("office",) if obj is not None else ()

    def get_changeform_initial_data(self, request):
        initial = super().get_changeform_initial_data(request)
        office_ids = editable_office_ids(request.user)
        if office_ids is not None and len(office_ids) == 1:
            initial.setdefault("office", next(iter(office_ids)))
        return initial

    def get_actions(self, request):
        # Django's own bulk delete (it refuses protected rows) rather than mptt's, which cascades.
        return admin.ModelAdmin.get_actions(self, request)

    def save_model(self, request, obj, form, change):
        obj._history_user = request.user
        unit_save(unit=obj)

    def delete_model(self, request, obj):
        unit_delete(unit=obj, with_content=_with_content(request))

    def delete_queryset(self, request, queryset):
        for unit in sorted(queryset, key=lambda unit: -unit.level):
            unit_delete(unit=unit, with_content=False)

    def get_deleted_objects(self, objs, request):
        deleted, counts, perms_needed, protected = super().get_deleted_objects(objs, request)
        with_content = _with_content(request)
        for unit in objs:
            problem = unit_delete_problem(unit=unit, with_content=with_content)
            if problem:
                protected = [*protected, problem]
        return deleted, counts, perms_needed, protected

    def delete_view(self, request, object_id, extra_context=None):
        if request.method == "GET" and not _with_content(request):
            unit = self.get_object(request, unquote(object_id))
            if (
                unit is not None
                and self.has_delete_permission(request, unit)
                and unit_delete_problem(unit=unit, with_content=True) is None
                and unit_delete_problem(unit=unit, with_content=False) is not None
            ):
                messages.warning(
                    request,
                    format_html(
                        '{} <a href="?{}=1">{}</a>',
                        _("This unit still has duties or portfolio entries."),
                        WITH_CONTENT,
                        _("Delete the unit together with them"),
                    ),
                )
        return super().delete_view(request, object_id, extra_context)


def _with_content(request):
    """The person confirmed that a unit's duties and portfolio entries go with it."""
    return request.GET.get(WITH_CONTENT) == "1"


@admin.register(Duty)
class DutyAdmin(SpreadsheetMixin, OfficeScopedAdmin):
    resource_classes = (DutyResource,)
    list_display = ("__str__", "unit", "order")
    list_filter = ("unit__office",)
    search_fields = ("text_en", "text_zh", "unit__slug")
    list_select_related = ("unit__office",)
    autocomplete_fields = ("unit",)


@admin.register(PortfolioEntry)
class PortfolioEntryAdmin(SpreadsheetMixin, OfficeScopedAdmin):
    resource_classes = (PortfolioEntryResource,)
    list_display = ("unit", "subject", "scope_en", "scope_zh")
    list_filter = ("unit__office",)
    search_fields = ("subject__slug", "subject__name_en", "subject__name_zh", "unit__slug", "quote")
    list_select_related = ("unit__office", "subject")
    autocomplete_fields = ("unit", "subject")


# The shared subject taxonomy ------------------------------------------------------------------


class TaxonomyPermissionMixin:
    """Office editors may read the taxonomy (to pick subjects); changing it needs `edit_taxonomy`."""

    def has_module_permission(self, request):
        return user_is_office_editor(request.user) or user_can_edit_taxonomy(request.user)

    def has_view_permission(self, request, obj=None):
        return self.has_module_permission(request)

    def has_change_permission(self, request, obj=None):
        return user_can_edit_taxonomy(request.user)

    def has_add_permission(self, request, obj=None):
        return user_can_edit_taxonomy(request.user)

    def has_delete_permission(self, request, obj=None):
        return user_can_edit_taxonomy(request.user)


class SubjectAliasInline(TaxonomyPermissionMixin, admin.TabularInline):
    model = SubjectAlias
    extra = 1
    fields = ("text", "language")


@admin.register(Subject)
class SubjectAdmin(RestorableMixin, GuardedHistoryMixin, TaxonomyPermissionMixin, SimpleHistoryAdmin):
    list_display = ("slug", "name_en", "name_zh", "parent")
    search_fields = ("slug", "name_en", "name_zh", "aliases__text")
    list_select_related = ("parent",)
    autocomplete_fields = ("parent",)
    inlines = (SubjectAliasInline,)


@admin.register(SubjectAlias)
class SubjectAliasAdmin(RestorableMixin, GuardedHistoryMixin, TaxonomyPermissionMixin, SimpleHistoryAdmin):
    list_display = ("text", "language", "subject")
    list_filter = ("language",)
    search_fields = ("text", "subject__slug", "subject__name_en")
    list_select_related = ("subject",)
    autocomplete_fields = ("subject",)


User = get_user_model()
if admin.site.is_registered(User):
    admin.site.unregister(User)


@admin.register(User)
class EditorUserAdmin(UserAdmin):
    """Django's user admin with the offices each user edits."""

    inlines = (*UserAdmin.inlines, OfficeEditorInline)
