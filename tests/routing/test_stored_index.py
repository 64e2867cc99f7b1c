"""The routing index is built once per data version, stored, and loaded by every other process."""
import pytest

from routing import engine, services
from routing.models import IndexVersion, StoredIndex

pytestmark = pytest.mark.django_db


def fresh_process():
    """Forget this process's index, as a newly started worker has none."""
    services._cache.update(version=None, index=None, offices=None, answers={})


def refuse_to_build(monkeypatch):
    def build_index(*args, **kwargs):
        raise AssertionError("the index was built again")

    monkeypatch.setattr(engine, "build_index", build_index)


def answer(text="civil air defense", office="shanxi"):
    return services.route_matter(text=text, office=office).as_dict()


def test_another_process_loads_the_stored_index_instead_of_building_it(monkeypatch):
    fresh_process()
    expected = answer()
    version = IndexVersion.objects.get(pk=1).version
    assert StoredIndex.objects.filter(version=version, format=services.index_format()).count() == 1

    fresh_process()
    refuse_to_build(monkeypatch)
    assert answer() == expected
    assert services.routing_offices()[0][0] == "shanxi"


def test_a_new_data_version_is_built_once_and_old_ones_are_dropped(monkeypatch):
    fresh_process()
    services.routing_index()
    for _ in range(3):
        services.routing_index_invalidate()
        fresh_process()
        services.routing_index()
    version = IndexVersion.objects.get(pk=1).version
    assert list(StoredIndex.objects.values_list("version", flat=True)) == [version, version - 1]

    fresh_process()
    refuse_to_build(monkeypatch)
    services.routing_index()


def test_an_unreadable_or_outdated_stored_index_is_rebuilt(monkeypatch):
    fresh_process()
    expected = answer()
    version = IndexVersion.objects.get(pk=1).version
    StoredIndex.objects.filter(version=version).update(blob=b"not a pickle")
    fresh_process()
    assert answer() == expected
    assert StoredIndex.objects.get(version=version).blob != b"not a pickle"

    monkeypatch.setattr(services, "index_format", lambda: "another engine")
    fresh_process()
    assert answer() == expected
    assert StoredIndex.objects.filter(version=version, format="another engine").exists()
