"""gunicorn settings: `gunicorn -c python:govoffice.gunicorn govoffice.wsgi`.

The application, the router's dictionaries, its index and its learned layer are loaded once, in
the master process, before the workers are forked, so every worker shares those pages with the
master instead of holding its own copy (about 190 MB at 400 offices, of about 310 MB a worker
would otherwise take). The loaded objects are frozen out of the garbage collector first, so that
collections in the workers do not write to (and so copy) the shared pages. After the data
changes each worker loads the new index itself; restarting gunicorn (HUP) shares it again.
"""
import gc
import logging

preload_app = True
control_socket_disable = True  # gunicorn would otherwise create a control socket under the home folder

logger = logging.getLogger(__name__)


def when_ready(server):
    """Load the router's index and learned layer before any worker is forked."""
    from django.db import DatabaseError, connections

    from routing.services import routing_snapshot

    try:
        routing_snapshot()
    except DatabaseError as exc:  # a database not migrated or loaded yet: workers load it on first use
        logger.warning("routing index not preloaded: %s", exc)
    finally:
        connections.close_all()  # a connection must not be shared by forked workers
    gc.collect()
    gc.freeze()
