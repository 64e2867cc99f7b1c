"""Keep the routing index fresh: any write to the organisation data bumps the index version.

Listening to model signals (rather than only calling from services) also catches admin
edits, history reverts and shell edits. The bump runs once per transaction, after commit;
a rolled-back transaction bumps nothing.
"""
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save


def _bump():
    from routing.services import routing_index_invalidate

    routing_index_invalidate()


def _schedule_bump(**kwargs):
    if kwargs.get("raw"):
        return
    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        _bump()
    elif not any(entry[1] is _bump for entry in connection.run_on_commit):
        transaction.on_commit(_bump)


def connect():
    from orgunits.models import Duty, Office, PortfolioEntry, Subject, SubjectAlias, Transfer, Unit

    for model in (Office, Unit, Duty, Subject, SubjectAlias, PortfolioEntry, Transfer):
        post_save.connect(_schedule_bump, sender=model, dispatch_uid=f"routing-bump-save-{model.__name__}")
        post_delete.connect(_schedule_bump, sender=model, dispatch_uid=f"routing-bump-delete-{model.__name__}")
    m2m_changed.connect(_schedule_bump, sender=Transfer.subjects.through, dispatch_uid="routing-bump-m2m")
