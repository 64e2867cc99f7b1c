"""Shared fixtures: the real organisation data is loaded once per test database."""
import pytest
from django.conf import settings


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Load the five offices once; each test then runs in a transaction that is rolled back."""
    from orgunits.services import org_load_fixtures
    from routing.services import routing_index
    from routing.training import router_train

    with django_db_blocker.unblock():
        org_load_fixtures(directory=settings.ORG_FIXTURES_DIR)
        router_train(index=routing_index())  # the learned layer on the starter log, as on a fresh install


@pytest.fixture
def admin_client_logged_in(db, client, django_user_model):
    user = django_user_model.objects.create_superuser("root", "root@example.org", "pw-for-tests")
    client.force_login(user)
    return client
