"""Training the learned routing layer, storing it, and sharing it between workers.

Training takes seconds, so it happens once per change of its inputs: `manage.py train_router`,
or the first routing request of a fresh install. The result is pickled into a `TrainedRouter`
row and the shared `IndexVersion` row names the one in use, so that every worker loads the same
model. Records written after the model was trained are added at load time (`learning.remember`):
a clerk's correction counts from the next request on, on every worker, before any retraining.
"""
import hashlib
import json
import pickle
import threading
import time

from django.conf import settings
from django.db import IntegrityError, transaction

from routing import learning
from routing.models import IndexVersion, TrainedRouter
from routing.selectors import training_records

KEEP_TRAINED = 2  # stored models kept (the current one and its predecessor)

_starter = {"key": None, "pairs": None}
_trained = {}  # fingerprint -> LearnedModel trained in this process (equal inputs train once)
_loaded = {"id": None, "model": None, "records_version": None, "current": None, "seen": 0}
_lock = threading.Lock()


def starter_log():
    """The starter log's (text, subject) pairs, read again only when its files change."""
    directory = settings.ROUTING_STARTER_LOG_DIR
    paths = sorted(directory.glob("*.yaml"))
    key = tuple((path.name, path.stat().st_mtime_ns, path.stat().st_size) for path in paths)
    if _starter["key"] != key:
        _starter["pairs"] = learning.read_starter_log(directory)
        _starter["key"] = key
    return _starter["pairs"]


def unit_subjects(index):
    """{(office, unit): subjects held}, so that a record for a single-subject unit teaches its subject."""
    return {(office, unit.slug): set(unit.subjects) for office in index.offices for unit in index.units[office]}


def fingerprint(starter, records, held):
    """A digest of everything training reads: equal digests give equal models."""
    import sklearn  # its version is one of the inputs (training imports it anyway)

    digest = hashlib.sha256()
    digest.update(f"{sklearn.__version__}|{learning.FORMAT}".encode())
    for text, subject in starter:
        digest.update(f"{subject}\x1f{text}\x1e".encode())
    for record in records:
        digest.update(f"{record['office']}\x1f{record['unit']}\x1f{record['subject']}\x1f{record['text']}\x1e".encode())
    digest.update(json.dumps(sorted((f"{o}/{u}", sorted(s)) for (o, u), s in held.items() if len(s) == 1)).encode())
    return digest.hexdigest()


def _use(trained_id):
    if IndexVersion.objects.filter(pk=1).update(learned=trained_id):
        return
    try:
        with transaction.atomic():
            IndexVersion.objects.create(pk=1, version=0, learned=trained_id)
    except IntegrityError:
        IndexVersion.objects.filter(pk=1).update(learned=trained_id)


def router_train(*, index, force=False):
    """Train on the starter log and every record, store the model and put it in use.

    Idempotent: when the inputs are those of the model in use, nothing is trained (unless `force`).
    Returns (TrainedRouter row, whether a model was trained).
    """
    records = training_records()
    starter = starter_log()
    held = unit_subjects(index)
    digest = fingerprint(starter, records, held)
    current = IndexVersion.objects.filter(pk=1).values_list("learned", flat=True).first() or 0
    row = TrainedRouter.objects.filter(fingerprint=digest).first()
    if row is not None and not force:
        if row.pk != current:
            _use(row.pk)
        return row, False
    started = time.perf_counter()
    model = None if force else _trained.get(digest)
    if model is None:
        model = learning.train(records, starter, held, last_record_id=max((r["id"] for r in records), default=0))
        _trained.clear()
        _trained[digest] = model
    seconds = time.perf_counter() - started
    with transaction.atomic():
        row = TrainedRouter.objects.create(
            records=len(records), last_record_id=model.last_record_id, fingerprint=digest, seconds=seconds,
            blob=pickle.dumps(model, protocol=pickle.HIGHEST_PROTOCOL),
        )
        _use(row.pk)
        if _loaded["id"] == row.pk:  # an id used before (a rolled-back transaction): not the model loaded
            _loaded["id"] = None
        stale = TrainedRouter.objects.order_by("-pk").values_list("pk", flat=True)[KEEP_TRAINED:]
        TrainedRouter.objects.filter(pk__in=list(stale)).delete()
    return row, True


def _unpickle(blob):
    """The stored model, or None when it was stored in a shape this version does not read."""
    try:
        model = pickle.loads(bytes(blob))
    except (AttributeError, ImportError, TypeError, ValueError, pickle.UnpicklingError):
        return None
    return model if getattr(model, "__dict__", {}).get("format") == learning.FORMAT else None


def learned_model(*, trained_id, records_version, index):
    """The learned layer in use, with the records written since its training; None when learning is off.

    Loads the stored model when another worker has trained a new one (the pickle is the project's
    own, written by `router_train`), and re-reads the newer records when the records version moves.
    """
    if not settings.ROUTING_LEARNING:
        return None
    if trained_id and _loaded["id"] == trained_id and _loaded["records_version"] == records_version:
        return _loaded["current"]  # the common case: nothing changed, no lock taken
    with _lock:
        if not trained_id:
            row, _ = router_train(index=index)
            trained_id = row.pk
        if _loaded["id"] != trained_id:
            blob = TrainedRouter.objects.filter(pk=trained_id).values_list("blob", flat=True).first()
            if blob is None:  # removed under us: train again
                row, _ = router_train(index=index)
                trained_id, blob = row.pk, row.blob
            model = _unpickle(blob)
            if model is None:  # stored by an earlier version of the project
                row, _ = router_train(index=index, force=True)
                trained_id, model = row.pk, _unpickle(row.blob)
            _loaded.update(id=trained_id, model=model, records_version=None)
        if _loaded["records_version"] != records_version:
            # Only the records not seen yet are read and added (records changed or deleted since the
            # training count again at the next `train_router`).
            if _loaded["records_version"] is None:
                _loaded.update(current=_loaded["model"], seen=_loaded["model"].last_record_id)
            newer = training_records(after=_loaded["seen"])
            if newer:
                _loaded["current"] = learning.remember(_loaded["current"], newer)
                _loaded["seen"] = newer[-1]["id"]
            _loaded["records_version"] = records_version
        return _loaded["current"]
