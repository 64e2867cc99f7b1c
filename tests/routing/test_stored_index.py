"""The routing index is built once per data version, stored, and loaded by every other process."""
import pytest

from orgunits.models import Duty
from orgunits.selectors import org_export
from routing import engine, services
from routing.models import IndexVersion, StoredIndex

pytestmark = pytest.mark.django_db


def fresh_process():
    """Forget this process's index, as a newly started worker has none."""
    services._cache.update(version=None, index=None, offices=None, answers={})


def refuse_to_build(monkeypatch):
    def build(*args, **kwargs):
        raise AssertionError("the index was built again")

    monkeypatch.setattr(engine, "build", build)


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


def test_an_edit_to_one_office_reads_only_that_office_again(django_capture_on_commit_callbacks):
    fresh_process()
    services.routing_index()
    assert StoredIndex.objects.get(version=IndexVersion.objects.get(pk=1).version).offices_read == 5

    duty = Duty.objects.filter(unit__office__slug="hengyang", unit__parent__isnull=False).first()
    duty.text_en += " Beekeeping and apiaries."
    with django_capture_on_commit_callbacks(execute=True):
        duty.save()  # bumps the data version
    fresh_process()
    index = services.routing_index()
    assert StoredIndex.objects.get(version=IndexVersion.objects.get(pk=1).version).offices_read == 1
    assert answer("beekeeping", "hengyang")["results"][0]["unit"] == duty.unit.slug

    # The same index as building everything again.
    full = engine.build_index(org_export())
    for text in ["beekeeping", "coal safety", "旅游", "civil air defense", "a letter about a prison"]:
        for office in [None, "hengyang", "jilin"]:
            assert (engine.route(index, text, office).as_dict() == engine.route(full, text, office).as_dict())


def test_an_unreadable_copy_of_the_parts_means_reading_every_office():
    fresh_process()
    services.routing_index()
    StoredIndex.objects.update(parts=b"not a pickle")
    services.routing_index_invalidate()
    fresh_process()
    services.routing_index()
    assert StoredIndex.objects.get(version=IndexVersion.objects.get(pk=1).version).offices_read == 5
