"""Who may edit what. The admin asks these gatekeepers instead of checking permissions itself.

- An office editor (an `OfficeEditor` row, and staff status to reach the admin) sees and changes
  only their offices' units, duties, portfolio entries, transfers, other names and office facts.
  Superusers edit every office. Django's per-model permissions play no part here: the office is
  what decides.
- The subject taxonomy (subjects and their aliases) is shared by every office: renaming a subject
  or adding an alias changes how matters are routed in all offices at once. So an office editor
  may read it (to pick subjects for a portfolio) but changing it needs the `orgunits.edit_taxonomy`
  permission, which superusers have and may grant to a trusted taxonomy editor.
"""
from axes.backends import AxesStandaloneBackend
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError

from orgunits.models import Duty, Office, OfficeName, PortfolioEntry, Transfer, Unit

# How each office-scoped model reaches its office.
OFFICE_PATHS = {
    Office: "pk",
    Unit: "office",
    OfficeName: "office",
    Transfer: "office",
    Duty: "unit__office",
    PortfolioEntry: "unit__office",
}
TAXONOMY_PERMISSION = "orgunits.edit_taxonomy"


def editable_office_ids(user):
    """The ids of the offices `user` may edit: None for every office (superusers), else a frozenset."""
    if not (user and user.is_authenticated and user.is_active):
        return frozenset()
    if user.is_superuser:
        return None
    cached = getattr(user, "_editable_office_ids", None)
    if cached is None:
        roles = user.office_editor_roles.values_list("office_id", flat=True)
        cached = frozenset(roles) if user.is_staff else frozenset()
        user._editable_office_ids = cached
    return cached


def user_is_office_editor(user):
    """True when `user` may edit at least one office (superusers included)."""
    office_ids = editable_office_ids(user)
    return office_ids is None or bool(office_ids)


def user_can_edit_office(*, user, office_id):
    office_ids = editable_office_ids(user)
    return office_ids is None or (office_id is not None and office_id in office_ids)


def user_can_edit_taxonomy(user):
    return bool(user and user.is_active and user.is_staff and user.has_perm(TAXONOMY_PERMISSION))


def access_office_for_editor(*, user, office):
    """Return `office` when `user` may edit it; raise PermissionDenied otherwise."""
    if office is None or not user_can_edit_office(user=user, office_id=office.pk):
        raise PermissionDenied
    return office


def access_object_for_editor(*, user, obj):
    """Return `obj` (an office or anything inside one) when `user` may edit its office; else PermissionDenied."""
    if not user_can_edit_office(user=user, office_id=office_id_of(obj)):
        raise PermissionDenied
    return obj


def user_can_edit_object(*, user, obj):
    return user_can_edit_office(user=user, office_id=office_id_of(obj))


def office_id_of(obj):
    """The id of the office `obj` belongs to, or None when it cannot be told (e.g. its unit was deleted)."""
    path = OFFICE_PATHS.get(type(obj))
    if path is None:
        raise TypeError(f"{type(obj).__name__} does not belong to an office")
    if path == "pk":
        return obj.pk
    if path == "office":
        return obj.office_id
    if obj.unit_id is None:
        return None
    # Read through the id: a historical version may name a unit that no longer exists.
    return Unit.objects.filter(pk=obj.unit_id).values_list("office_id", flat=True).first()


def scope_to_editor(*, user, queryset):
    """`queryset` (of an office-scoped model) narrowed to the offices `user` may edit."""
    office_ids = editable_office_ids(user)
    if office_ids is None:
        return queryset
    path = OFFICE_PATHS[queryset.model]
    field = "pk" if path == "pk" else f"{path}_id"
    return queryset.filter(**{f"{field}__in": office_ids})


def object_exists(*, model, object_id):
    """True when a row with this primary key exists, whoever may see it (False for a malformed id)."""
    try:
        return model._default_manager.filter(pk=object_id).exists()
    except (ValueError, TypeError, ValidationError, OverflowError):
        return False


# Logins ------------------------------------------------------------------------------------


class ThrottledLoginBackend(AxesStandaloneBackend):
    """Refuse web logins from a username and address that failed too often (django-axes).

    An `authenticate()` call without a request (the test client's `login()`, a shell) has no
    address to throttle by and is passed on to the next backend unchecked.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)


def login_client_ip(request):
    """The address a login came from: the peer, or the client named by TRUSTED_PROXY_COUNT proxies.

    None when unknown (a login made in code rather than over HTTP).

    X-Forwarded-For is only believed as far as our own proxies wrote it; anything to the left of
    that could be made up by the client to dodge the lockout.
    """
    proxies = getattr(settings, "TRUSTED_PROXY_COUNT", 0)
    if proxies > 0:
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
        if len(forwarded) >= proxies:
            return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR") or None
