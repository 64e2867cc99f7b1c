"""The one entry point from Django to the routing engine: builds, caches and queries the index."""
import threading

from django.db import IntegrityError, transaction
from django.db.models import F

from orgunits.selectors import office_list, org_export
from routing import engine
from routing.models import IndexVersion


def routing_index_invalidate():
    """Bump the shared index version so that every process rebuilds its index on its next request."""
    if IndexVersion.objects.filter(pk=1).update(version=F("version") + 1):
        return
    try:
        with transaction.atomic():
            IndexVersion.objects.create(pk=1, version=1)
    except IntegrityError:
        IndexVersion.objects.filter(pk=1).update(version=F("version") + 1)


# The index -----------------------------------------------------------------------------------

_cache = {"version": None, "index": None}
_lock = threading.Lock()


def routing_index_version():
    return IndexVersion.objects.filter(pk=1).values_list("version", flat=True).first() or 0


def routing_index():
    """This process's routing index, rebuilt when the shared data version has moved.

    One indexed query per call; the rebuild (tens of milliseconds) happens once per change.
    """
    version = routing_index_version()
    if _cache["version"] != version or _cache["index"] is None:
        with _lock:
            if _cache["version"] != version or _cache["index"] is None:
                _cache["index"] = engine.build_index(org_export())
                _cache["version"] = version
    return _cache["index"]


def route_matter(*, text, office=None, limit=5):
    """Route a matter; `office` is an office slug or None for all offices. Returns an engine RouteResult."""
    return engine.route(routing_index(), text, office=office, limit=limit)


def routing_offices():
    """(slug, English name) of every office, in source order, for office choices."""
    return [(office.slug, office.name_en) for office in office_list()]
