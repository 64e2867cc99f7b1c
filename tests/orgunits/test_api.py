"""The JSON API: offices, one office as `export_org` writes it, subjects; 404 and 405 as JSON clients expect."""
import io
import json

import pytest
from django.core.management import call_command
from django.db.models import Count

from orgunits.models import Office, PortfolioEntry, Subject
from orgunits.selectors import org_export

pytestmark = pytest.mark.django_db


def test_office_list_gives_each_office_with_its_links(client):
    response = client.get("/api/offices/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    offices = response.json()["results"]
    expected = list(Office.objects.annotate(n=Count("units")).order_by("order", "slug"))
    assert [office["slug"] for office in offices] == [office.slug for office in expected]
    for data, office in zip(offices, expected, strict=True):
        assert data == {
            "slug": office.slug,
            "name_en": office.name_en,
            "name_zh": office.name_zh,
            "level": office.level,
            "province_en": office.province_en,
            "province_zh": office.province_zh,
            "unit_count": office.n,
            "url": f"/offices/{office.slug}/",
            "api_url": f"/api/offices/{office.slug}/",
        }
        assert client.get(data["api_url"]).status_code == 200


def test_office_detail_is_the_office_exactly_as_export_org_writes_it(client):
    out = io.StringIO()
    call_command("export_org", stdout=out)
    exported = {office["slug"]: office for office in json.loads(out.getvalue())["offices"]}
    for slug, office in exported.items():
        response = client.get(f"/api/offices/{slug}/")
        assert response.status_code == 200
        assert response.json() == office
        assert response.json() == json.loads(json.dumps(org_export(office_slug=slug)["offices"][0]))


def test_office_detail_keeps_chinese_readable(client):
    body = client.get("/api/offices/jilin/").content.decode()
    assert "吉林省人民政府办公厅" in body


def test_subject_list_gives_every_subject_with_the_units_that_hold_it(client):
    subjects, url = [], "/api/subjects/"
    while url:
        page = client.get(url).json()
        subjects += page["results"]
        url = page["next"]
    slugs = list(Subject.objects.order_by("slug").values_list("slug", flat=True))
    assert [subject["slug"] for subject in subjects] == slugs
    tourism = next(subject for subject in subjects if subject["slug"] == "tourism")
    assert {"slug", "name_en", "name_zh", "aliases", "parent", "offices"} <= set(tourism)
    held = {}
    for office, unit in PortfolioEntry.objects.filter(subject__slug="tourism").values_list(
        "unit__office__slug", "unit__slug"
    ):
        held.setdefault(office, set()).add(unit)
    assert {entry["office"]: set(entry["units"]) for entry in tourism["offices"]} == held


@pytest.mark.parametrize("url", ["/api/offices/atlantis/", "/api/offices/no-such-office/"])
def test_unknown_office_is_a_json_404(client, url):
    response = client.get(url)
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert "detail" in response.json()


@pytest.mark.parametrize("url", ["/api/offices/", "/api/offices/jilin/", "/api/subjects/"])
def test_the_api_is_read_only(client, url):
    assert client.post(url, {}).status_code == 405
    assert client.head(url).status_code == 200


# A page: the count, the page's rows; subjects also their aliases and portfolio entries.
@pytest.mark.parametrize(
    ("url", "queries"), [("/api/offices/", 2), ("/api/subjects/", 5), ("/api/subjects/?page=3", 5)]
)
def test_list_endpoints_run_a_fixed_number_of_queries(client, django_assert_num_queries, url, queries):
    with django_assert_num_queries(queries):
        client.get(url)


def test_office_endpoint_runs_a_fixed_number_of_queries(client, django_assert_max_num_queries):
    # office, other names, transfers, their subjects, units, duties, portfolio entries
    for office in Office.objects.all():
        with django_assert_max_num_queries(7):
            client.get(f"/api/offices/{office.slug}/")
