"""On PostgreSQL, searching duty sentences is served by trigram indexes, not by reading every sentence."""
import pytest
from django.conf import settings
from django.db import connection
from django.db.models import Q

from orgunits.models import Duty

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.postgres,
    pytest.mark.skipif(not settings.DATABASES["default"]["ENGINE"].endswith("postgresql"),
                       reason="needs DATABASE_URL=postgres://…"),
]


def test_duty_search_uses_the_trigram_indexes():
    query = (Duty.objects.filter(Q(text_en__icontains="tourism") | Q(text_zh__icontains="tourism"))
             .order_by().values("unit"))  # as the search uses it: a subquery, unordered
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")  # the test data is small enough to read whole
        sql, params = query.query.sql_with_params()
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "orgunits_duty_text_en_upper_trgm" in plan and "orgunits_duty_text_zh_upper_trgm" in plan
    # ...and finds what reading every sentence finds.
    expected = {unit for unit, en, zh in Duty.objects.values_list("unit", "text_en", "text_zh")
                if "TOURISM" in en.upper() or "TOURISM" in zh.upper()}
    assert expected and {row["unit"] for row in query} == expected


def test_an_import_leaves_nothing_in_the_search_indexes_pending_lists():
    """Rows waiting in a GIN pending list are read by every search until vacuum merges them."""
    from orgunits.services import SEARCH_INDEXES, org_load_fixtures

    def pending():
        with connection.cursor() as cursor:
            cursor.execute("CREATE EXTENSION IF NOT EXISTS pgstattuple")
            pages = []
            for index in SEARCH_INDEXES:
                cursor.execute("SELECT pending_pages FROM pgstatginindex(%s::regclass)", [index])
                pages.append(cursor.fetchone()[0])
            return pages

    Duty.objects.all().delete()
    org_load_fixtures(directory=settings.ORG_FIXTURES_DIR)  # every duty sentence written again
    assert Duty.objects.count() > 300
    assert pending() == [0, 0]


def test_a_short_chinese_needle_is_looked_for_without_upper():
    """The trigram indexes cannot serve under three characters; UPPER() of every sentence would only cost."""
    from orgunits.selectors import containing

    def sql(needle):
        return str(Duty.objects.filter(containing(needle, "text_en", "text_zh")).query)

    assert "UPPER" not in sql("旅游")
    assert "UPPER" in sql("tourism") and "UPPER" in sql("安全生产")  # served by the indexes
