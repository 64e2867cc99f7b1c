"""The one entry point from Django to the routing engine: builds, caches and queries the index."""
from django.db import IntegrityError, transaction
from django.db.models import F

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
