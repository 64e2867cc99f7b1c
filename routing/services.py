"""The one entry point from Django to the routing engine: builds, caches and queries the index."""
import gc
import hashlib
import pickle
import sys
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from orgunits.models import Office, Subject, Unit
from orgunits.selectors import org_export
from routing import arrays, engine, learning, lexicon
from routing import text as text_module
from routing.models import IndexVersion, RoutingRecord, StoredIndex
from routing.record_interchange import RowChecker, read_lines
from routing.training import learned_model


def routing_index_invalidate():
    """Bump the shared index version so that every process rebuilds its index on its next request."""
    if IndexVersion.objects.filter(pk=1).update(version=F("version") + 1):
        return
    try:
        with transaction.atomic():
            IndexVersion.objects.create(pk=1, version=1)
    except IntegrityError:
        IndexVersion.objects.filter(pk=1).update(version=F("version") + 1)


def routing_records_invalidate():
    """Bump the shared records version: whatever learns from the routing records sees them change."""
    if IndexVersion.objects.filter(pk=1).update(records_version=F("records_version") + 1):
        return
    try:
        with transaction.atomic():
            IndexVersion.objects.create(pk=1, version=0, records_version=1)
    except IntegrityError:
        IndexVersion.objects.filter(pk=1).update(records_version=F("records_version") + 1)


def routing_records_version():
    """The shared records version (0 before any record was written): one primary-key read."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT records_version FROM {IndexVersion._meta.db_table} WHERE id = %s", [1])
        row = cursor.fetchone()
    return row[0] if row else 0


def records_changed():
    """Bump the records version after the current transaction commits (at once outside one).

    Every write asks for its own bump: a bump is one UPDATE, and a callback that is already queued
    may belong to an enclosing block whose callbacks have run (nested capture in tests, savepoints).
    """
    transaction.on_commit(routing_records_invalidate)


# Routing records --------------------------------------------------------------------------------


def record_create(
    *, office, text, unit, suggested_unit, outcome, subject=None, reason="", user=None,
    source=RoutingRecord.Source.CLERK,
):
    """Validate and save one routing record; ValidationError says what is wrong and nothing is saved."""
    record = RoutingRecord(
        office=office, text=text, unit=unit, suggested_unit=suggested_unit, outcome=outcome, subject=subject,
        reason=reason, recorded_by=user, source=source,
    )
    record.full_clean()
    with transaction.atomic():
        record.save()
        records_changed()
    return record


def record_save(*, record):
    """Validate and save a record changed elsewhere (the admin)."""
    record.full_clean()
    with transaction.atomic():
        record.save()
        records_changed()
    return record


def record_delete(*, records):
    """Delete records (one, or a queryset); their history is kept."""
    with transaction.atomic():
        if isinstance(records, RoutingRecord):
            records.delete()
        else:
            for record in records:
                record.delete()  # one by one, so that each leaves its history
        records_changed()


# The index -----------------------------------------------------------------------------------

# This process's copy of the index, the office choices and recent answers, all for one data version.
_cache = {"version": None, "index": None, "offices": None, "answers": {}}
_lock = threading.Lock()
MAX_CACHED_ANSWERS = 2048


@dataclass(frozen=True)
class RoutingSnapshot:
    """The index, the office choices and the learned layer as of one data version."""

    version: int
    index: engine.Index
    offices: list
    learned: object = None  # routing.learning.LearnedModel, or None when learning is off
    learned_key: tuple = ()


def routing_index_version():
    """The shared data version: one primary-key read.

    Every routing request makes it, so it skips the ORM's query building (a third of a
    millisecond per request, measured).
    """
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT version FROM {IndexVersion._meta.db_table} WHERE id = %s", [1])
        row = cursor.fetchone()
    return row[0] if row else 0


def routing_versions():
    """(data version, records version, trained router in use): one primary-key read per request."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT version, records_version, learned FROM {IndexVersion._meta.db_table} WHERE id = %s",
                       [1])
        row = cursor.fetchone()
    return tuple(row) if row else (0, 0, 0)


KEEP_STORED_INDEXES = 2  # the current data version's index and its predecessor's


def index_format():
    """The shape of a stored index: a digest of the code that builds it, so a changed engine rebuilds."""
    digest = hashlib.sha256()
    for module in (engine, arrays, text_module, lexicon):
        digest.update(Path(module.__file__).read_bytes())
    digest.update(f"{sys.version_info[:2]}".encode())
    return digest.hexdigest()[:32]


@contextmanager
def _long_lived():
    """Make the objects created inside invisible to the cyclic garbage collector.

    An index is millions of small objects that live until the data changes (and are then freed by
    reference counting: they hold no cycles). Collecting while they are created costs seconds, and
    every full collection afterwards would walk them all again (about 0.3 s at 400 offices).
    """
    enabled = gc.isenabled()
    gc.collect()  # leave no garbage behind to be frozen with the index
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if enabled:
            gc.enable()


UNREADABLE = (AttributeError, ImportError, TypeError, ValueError, EOFError, pickle.UnpicklingError)


def _unpickle_index(blob):
    """(index, offices) from a stored blob, or None when it cannot be read (the project's own pickle)."""
    try:
        with _long_lived():
            index, offices = pickle.loads(bytes(blob))
    except UNREADABLE:
        return None
    return (index, offices) if isinstance(index, engine.Index) else None


def _stored_parts(fmt):
    """The office parts of the latest stored index of this format ({} when there is none to reuse)."""
    blob = (StoredIndex.objects.filter(format=fmt).exclude(parts=None).order_by("-version")
            .values_list("parts", flat=True).first())
    if blob is None:
        return {}
    try:
        parts = pickle.loads(bytes(blob))
    except UNREADABLE:  # an unreadable copy is only a missed shortcut
        return {}
    return parts if isinstance(parts, dict) else {}


def stored_index(*, version):
    """(index, office choices) for a data version: loaded when stored, else built once and stored.

    The first process to see a new version builds; the others load its result. Two processes
    building at once both succeed: the second one's row is refused by the unique constraint.
    """
    fmt = index_format()
    blob = StoredIndex.objects.filter(version=version, format=fmt).values_list("blob", flat=True).first()
    loaded = _unpickle_index(blob) if blob is not None else None
    if loaded is not None:
        return loaded
    started = time.perf_counter()
    data = org_export()
    reuse = _stored_parts(fmt)
    with _long_lived():
        index, parts = engine.build(data, reuse=reuse)
    del reuse
    offices = [(office["slug"], office["name_en"]) for office in data["offices"]]
    seconds = time.perf_counter() - started
    try:
        with transaction.atomic():
            StoredIndex.objects.filter(version=version, format=fmt).delete()  # an unreadable one
            StoredIndex.objects.create(version=version, format=fmt, seconds=seconds, offices_read=index.offices_read,
                                       blob=pickle.dumps((index, offices), protocol=pickle.HIGHEST_PROTOCOL),
                                       parts=pickle.dumps(parts, protocol=pickle.HIGHEST_PROTOCOL))
            kept = StoredIndex.objects.order_by("-version", "-pk").values_list("pk", flat=True)[:KEEP_STORED_INDEXES]
            StoredIndex.objects.exclude(pk__in=list(kept)).delete()
    except IntegrityError:
        pass  # another process stored the same version first
    return index, offices


def routing_snapshot(*, learned=True):
    """The index, office choices and learned layer at the current versions; rebuilt when a version has moved.

    One indexed query per call; after a change the index is loaded from the database, where the first
    process to see the change built and stored it. `learned=False` leaves the learned layer out (for
    training it).
    """
    version, records_version, trained_id = routing_versions()
    if _cache["version"] != version or _cache["index"] is None:
        with _lock:
            if _cache["version"] != version or _cache["index"] is None:
                index, offices = stored_index(version=version)
                _cache["answers"] = {}
                _cache["offices"] = offices
                _cache["index"] = index
                _cache["version"] = version
    index = _cache["index"]
    learned = learned_model(trained_id=trained_id, records_version=records_version, index=index) if learned else None
    return RoutingSnapshot(version=_cache["version"], index=index, offices=list(_cache["offices"]),
                           learned=learned, learned_key=(trained_id, records_version, id(learned)))


def routing_index():
    """This process's routing index at the current data version."""
    return routing_snapshot().index


def route_matter(*, text, office=None, limit=5, snapshot=None):
    """Route a matter; `office` is an office slug or None for all offices. Returns an engine RouteResult.

    Pass the `snapshot` the request's form was validated against to spare a second version read.
    The same question at the same data version gets the same answer, so recent answers are kept
    (treat the result as read-only).
    """
    snapshot = snapshot or routing_snapshot()
    key = (snapshot.version, snapshot.learned_key, text, office, limit)
    answers = _cache["answers"]
    result = answers.get(key) if _cache["index"] is snapshot.index else None
    if result is None:
        if snapshot.learned is not None:
            result = learning.route(snapshot.index, snapshot.learned, text, office=office, limit=limit)
        else:
            result = engine.route(snapshot.index, text, office=office, limit=limit)
        if _cache["index"] is snapshot.index:
            if len(answers) >= MAX_CACHED_ANSWERS:
                answers.pop(next(iter(answers)), None)  # the oldest
            answers[key] = result
    return result


def routing_offices():
    """(slug, English name) of every office, in source order, for office choices."""
    return routing_snapshot().offices


# Record files -----------------------------------------------------------------------------------

IMPORT_BATCH = 2000


def records_import(*, handle, file_format):
    """Import routing records from an open text file; all or nothing.

    Every line is checked first (RecordFileError names the first bad line); then new records
    are created and changed ones updated in batches, with their history, in one transaction.
    Records are matched on (office, id), so importing the same file again changes nothing.
    Returns counts: {"created", "updated", "unchanged"}.
    """
    checker = RowChecker(
        offices=dict(Office.objects.values_list("slug", "pk")),
        units={(office_id, slug): pk for pk, office_id, slug in Unit.objects.values_list("pk", "office_id", "slug")},
        subjects=dict(Subject.objects.values_list("slug", "pk")),
    )
    rows = [checker.check(number, raw) for number, raw in read_lines(handle=handle, file_format=file_format)]
    stats = {"created": 0, "updated": 0, "unchanged": 0}
    source = RoutingRecord.Source.IMPORT
    compared = ("text", "unit_id", "subject_id", "outcome")
    with transaction.atomic():
        existing = {}
        office_ids = {row.office_id for row in rows if row.external_id}
        if office_ids:
            for record in RoutingRecord.objects.filter(source=source, office_id__in=office_ids).exclude(external_id=""):
                existing[(record.office_id, record.external_id)] = record
        now = timezone.now()
        new, changed = [], []
        for row in rows:
            record = existing.get((row.office_id, row.external_id)) if row.external_id else None
            if record is None:
                new.append(RoutingRecord(
                    office_id=row.office_id, text=row.text, unit_id=row.unit_id, subject_id=row.subject_id,
                    outcome=row.outcome, recorded_at=row.recorded_at or now, source=source,
                    external_id=row.external_id,
                ))
                continue
            before = tuple(getattr(record, name) for name in compared), record.recorded_at
            record.text, record.unit_id, record.subject_id, record.outcome = (
                row.text, row.unit_id, row.subject_id, row.outcome
            )
            if row.recorded_at is not None:
                record.recorded_at = row.recorded_at
            if (tuple(getattr(record, name) for name in compared), record.recorded_at) == before:
                stats["unchanged"] += 1
            else:
                changed.append(record)
        if new:
            bulk_create_with_history(new, RoutingRecord, batch_size=IMPORT_BATCH, default_date=now)
        if changed:
            bulk_update_with_history(
                changed, RoutingRecord, [*compared, "recorded_at"], batch_size=IMPORT_BATCH, default_date=now
            )
        stats["created"], stats["updated"] = len(new), len(changed)
        if new or changed:
            records_changed()
    return stats
