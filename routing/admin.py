"""Admin for the routing records and the clerks who add them.

Records are scoped per office like the organisation data (`routing.access`): a clerk or editor
sees and changes only their offices' records; writes go through `routing.services`, which bump
the records version. Only superusers grant recording rights.
"""
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from orgunits.access import object_exists
from orgunits.admin import EditorUserAdmin, RestorableMixin, SuperuserOnlyMixin
from orgunits.models import Office, Unit
from routing.access import scope_to_recorder, user_can_record, user_is_recorder
from routing.models import OfficeRecorder, RoutingRecord
from routing.services import record_delete, record_save


class OfficeRecorderInline(SuperuserOnlyMixin, admin.TabularInline):
    """Shown on the user page (the offices they record for) and on the office page (its clerks)."""

    model = OfficeRecorder
    extra = 0


@admin.register(RoutingRecord)
class RoutingRecordAdmin(RestorableMixin, SimpleHistoryAdmin):
    list_display = ("short_text", "office", "unit", "outcome", "suggested_unit", "source", "recorded_at", "recorded_by")
    list_filter = (("office", admin.RelatedOnlyFieldListFilter), "outcome", "source", "recorded_at")
    list_select_related = ("office", "unit", "unit__office", "suggested_unit", "suggested_unit__office", "recorded_by")
    search_fields = ("text", "reason", "external_id")
    date_hierarchy = "recorded_at"
    readonly_fields = ("recorded_by", "source", "external_id")
    fields = ("office", "text", "unit", "subject", "outcome", "suggested_unit", "reason", "recorded_at",
              "recorded_by", "source", "external_id")

    @admin.display(description=_("matter"))
    def short_text(self, obj):
        return obj.text if len(obj.text) <= 80 else obj.text[:79] + "…"

    # Scoping: the same rules as the organisation data, through routing.access.

    def get_queryset(self, request):
        return scope_to_recorder(user=request.user, queryset=super().get_queryset(request))

    def has_module_permission(self, request):
        return user_is_recorder(request.user)

    def _may_record(self, request, obj):
        if not user_is_recorder(request.user):
            return False
        return obj is None or user_can_record(user=request.user, office_id=obj.office_id)

    def has_view_permission(self, request, obj=None):
        return self._may_record(request, obj)

    has_change_permission = has_add_permission = has_delete_permission = has_view_permission

    def get_object(self, request, object_id, from_field=None):
        obj = super().get_object(request, object_id, from_field)
        if obj is None and from_field is None and object_exists(model=self.model, object_id=object_id):
            raise PermissionDenied  # it exists, in an office this user does not record for
        return obj

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        # The version is checked by simple-history; the row as it is now must be ours as well.
        self.get_object(request, object_id)
        return super().history_form_view(request, object_id, version_id, extra_context)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "office":
            kwargs["queryset"] = scope_to_recorder(user=request.user, queryset=Office.objects.all(), field="pk")
        elif db_field.name in ("unit", "suggested_unit"):
            kwargs["queryset"] = scope_to_recorder(
                user=request.user, queryset=Unit.objects.select_related("office"), field="office_id"
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    # Writes go through the services.

    def save_model(self, request, obj, form, change):
        if not user_can_record(user=request.user, office_id=obj.office_id):
            raise PermissionDenied
        if change:
            current = RoutingRecord.objects.filter(pk=obj.pk).values_list("office_id", flat=True).first()
            if current is not None and not user_can_record(user=request.user, office_id=current):
                raise PermissionDenied
        elif obj.recorded_by_id is None:
            obj.recorded_by = request.user
        record_save(record=obj)

    def delete_model(self, request, obj):
        record_delete(records=obj)

    def delete_queryset(self, request, queryset):
        record_delete(records=queryset)


User = get_user_model()
if admin.site.is_registered(User):
    admin.site.unregister(User)


@admin.register(User)
class RecorderUserAdmin(EditorUserAdmin):
    """The user admin with the offices each user edits and those they record for."""

    inlines = (*EditorUserAdmin.inlines, OfficeRecorderInline)
