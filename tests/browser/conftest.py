"""Playwright drives Debian's Chromium against pytest-django's live server, with the real organisation data."""
import os

import pytest
from django.conf import settings
from django.db import connections

# Playwright's sync API runs an event loop in the test thread; Django's ORM calls from that thread are safe here.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
SCREENSHOTS = settings.BASE_DIR / "artifacts" / "screenshots"


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


def _load_org_data():
    from orgunits.services import org_load_fixtures

    org_load_fixtures(directory=settings.ORG_FIXTURES_DIR)


@pytest.fixture(scope="module", autouse=True)
def _org_data_restored_afterwards(django_db_blocker):
    """A live-server test is transactional and empties the database when it ends; refill it for later tests."""
    yield
    with django_db_blocker.unblock():
        _load_org_data()
        # Django keeps a connection per context, and under Playwright this runs in a context of its
        # own: its connection is not the one pytest-django closes, and would keep PostgreSQL from
        # dropping the test database at the end.
        connections.close_all()


@pytest.fixture
def site(live_server, transactional_db):
    """The live server's address, with the organisation data in its database."""
    from orgunits.models import Office

    if not Office.objects.exists():
        _load_org_data()
    return live_server.url


@pytest.fixture
def screenshots():
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS
