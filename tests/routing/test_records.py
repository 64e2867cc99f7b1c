"""Routing records: validation, the shared records version, and the plain rows learning reads."""
import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from orgunits.models import Office, Subject, Unit
from routing import selectors, services
from routing.models import IndexVersion, RoutingRecord

pytestmark = pytest.mark.django_db


@pytest.fixture
def shanxi():
    return Office.objects.get(slug="shanxi")


def unit(office, slug):
    return Unit.objects.get(office__slug=office, slug=slug)


def test_a_record_is_saved_and_bumps_the_records_version_not_the_index_version(
    shanxi, django_capture_on_commit_callbacks
):
    before = services.routing_records_version()
    index_before = services.routing_index_version()
    with django_capture_on_commit_callbacks(execute=True):
        record = services.record_create(
            office=shanxi, text="coal mine flooding", unit=unit("shanxi", "secretariat-3"),
            suggested_unit=unit("shanxi", "secretariat-3"), outcome="confirmed",
        )
    assert record.pk and record.history.count() == 1
    assert services.routing_records_version() == before + 1
    assert services.routing_index_version() == index_before


def test_the_records_version_row_is_created_when_missing(shanxi):
    IndexVersion.objects.all().delete()
    assert services.routing_records_version() == 0
    services.routing_records_invalidate()
    services.routing_records_invalidate()
    assert services.routing_records_version() == 2
    assert services.routing_index_version() == 0


def test_a_bump_inside_a_transaction_waits_for_the_commit(shanxi, django_capture_on_commit_callbacks):
    before = services.routing_records_version()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.record_create(office=shanxi, text="a", unit=None, suggested_unit=None, outcome="no_unit")
    assert services.routing_records_version() == before
    assert len(callbacks) == 1


@pytest.mark.parametrize("field", ["unit", "suggested_unit"])
def test_a_unit_of_another_office_is_refused(shanxi, field):
    units = {"unit": unit("shanxi", "secretariat-3"), "suggested_unit": None, field: unit("jilin", "general-office")}
    with pytest.raises(ValidationError) as error:
        services.record_create(office=shanxi, text="coal", outcome="corrected", **units)
    assert field in error.value.message_dict
    assert not RoutingRecord.objects.exists()


def test_text_over_20000_characters_is_refused(shanxi):
    with pytest.raises(ValidationError) as error:
        services.record_create(office=shanxi, text="煤" * 20_001, unit=None, suggested_unit=None, outcome="no_unit")
    assert "text" in error.value.message_dict
    services.record_create(office=shanxi, text="煤" * 20_000, unit=None, suggested_unit=None, outcome="no_unit")


def test_the_outcome_agrees_with_the_unit(shanxi):
    with pytest.raises(ValidationError):
        services.record_create(office=shanxi, text="x", unit=unit("shanxi", "secretariat-3"), suggested_unit=None,
                               outcome="no_unit")
    with pytest.raises(ValidationError):
        services.record_create(office=shanxi, text="x", unit=None, suggested_unit=None, outcome="confirmed")


def test_training_records_are_plain_rows_in_one_query(shanxi):
    subject = Subject.objects.get(slug="tourism")
    first = services.record_create(office=shanxi, text="tourist complaint", unit=unit("shanxi", "secretariat-3"),
                                   suggested_unit=None, outcome="corrected", subject=subject)
    services.record_create(office=Office.objects.get(slug="jilin"), text="nothing", unit=None, suggested_unit=None,
                           outcome="no_unit")
    with CaptureQueriesContext(connection) as queries:
        rows = selectors.training_records()
    assert len(queries) == 1
    assert rows[0] == {"id": first.pk, "office": "shanxi", "text": "tourist complaint", "unit": "secretariat-3",
                       "subject": "tourism",
                       "outcome": "corrected", "recorded_at": first.recorded_at}
    assert rows[1]["unit"] is None and rows[1]["office"] == "jilin"
    assert [row["text"] for row in selectors.training_records(office="jilin")] == ["nothing"]
    assert [row["text"] for row in selectors.training_records(after=first.pk)] == ["nothing"]
