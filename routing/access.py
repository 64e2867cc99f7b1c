"""Who may record routed matters and read the dashboard: the gatekeepers the views and the admin ask.

A clerk is a staff user with an `OfficeRecorder` grant for an office. Office editors record for
the offices they edit, superusers for every office. Records are scoped by office exactly like the
organisation data: nobody sees or changes another office's records.
"""
from django.core.exceptions import PermissionDenied

from orgunits.access import editable_office_ids


def recording_office_ids(user):
    """The ids of the offices `user` may record for: None for every office (superusers), else a frozenset."""
    edited = editable_office_ids(user)
    if edited is None:
        return None
    if not edited and not (user and user.is_authenticated and user.is_active and user.is_staff):
        return frozenset()
    cached = getattr(user, "_recording_office_ids", None)
    if cached is None:
        granted = user.office_recorder_roles.values_list("office_id", flat=True)
        cached = edited | frozenset(granted)
        user._recording_office_ids = cached
    return cached


def user_is_recorder(user):
    """True when `user` may record for at least one office (superusers included)."""
    office_ids = recording_office_ids(user)
    return office_ids is None or bool(office_ids)


def user_can_record(*, user, office_id):
    office_ids = recording_office_ids(user)
    return office_ids is None or (office_id is not None and office_id in office_ids)


def access_office_for_recorder(*, user, office):
    """Return `office` when `user` may record for it; raise PermissionDenied otherwise."""
    if office is None or not user_can_record(user=user, office_id=office.pk):
        raise PermissionDenied
    return office


def scope_to_recorder(*, user, queryset, field="office_id"):
    """`queryset` narrowed to the offices `user` records for (`field` leads to the office id)."""
    office_ids = recording_office_ids(user)
    if office_ids is None:
        return queryset
    return queryset.filter(**{f"{field}__in": office_ids})
