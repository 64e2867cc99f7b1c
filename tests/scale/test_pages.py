"""With many offices, pages and list APIs stay short: paged with links, grouped, capped, in fixed query counts."""
import math
import re

import pytest
from django.db.models import Count

from orgunits import api
from orgunits.models import Office, PortfolioEntry, Subject, Unit
from tests.orgunits.test_views import PAGE_QUERIES

pytestmark = pytest.mark.django_db


def walk(client, url):
    """Every page of a paged list API, following `next`."""
    pages = []
    while url:
        response = client.get(url)
        assert response.status_code == 200, url
        pages.append(response.json())
        url = pages[-1]["next"]
    return pages


def test_office_api_pages_link_to_each_other_and_cover_every_office(client, many_offices, monkeypatch):
    monkeypatch.setattr(api, "OFFICES_PER_PAGE", 10)
    pages = walk(client, "/api/offices/")
    total = Office.objects.count()
    assert len(pages) == math.ceil(total / 10)
    assert [page["page"] for page in pages] == list(range(1, len(pages) + 1))
    assert {page["count"] for page in pages} == {total} and {page["pages"] for page in pages} == {len(pages)}
    assert pages[0]["previous"] is None and pages[-1]["next"] is None
    assert pages[1]["previous"] == "/api/offices/?page=1" and pages[1]["next"] == "/api/offices/?page=3"
    slugs = [office["slug"] for page in pages for office in page["results"]]
    assert slugs == list(Office.objects.order_by("order", "slug").values_list("slug", flat=True))


def test_subject_api_pages_cover_every_subject_once(client, many_offices):
    pages = walk(client, "/api/subjects/")
    slugs = list(Subject.objects.order_by("slug").values_list("slug", flat=True))
    assert len(pages) == math.ceil(len(slugs) / api.SUBJECTS_PER_PAGE) > 1
    assert [subject["slug"] for page in pages for subject in page["results"]] == slugs


@pytest.mark.parametrize("page", ["0", "abc", "99", "-1"])
def test_a_page_that_does_not_exist_is_a_json_400(client, page):
    for url in ("/api/offices/", "/api/subjects/"):
        response = client.get(url, {"page": page})
        assert response.status_code == 400
        assert response["Content-Type"] == "application/json"
        assert response.json()["error"]


@pytest.mark.parametrize(
    ("url", "queries"), [("/api/offices/", 2), ("/api/subjects/", 5), ("/api/subjects/?page=2", 5)]
)
def test_list_apis_run_the_same_queries_with_many_offices(
    client, many_offices, django_assert_num_queries, url, queries
):
    with django_assert_num_queries(queries):
        assert client.get(url).status_code == 200


def test_home_groups_offices_by_level_then_province(client, many_offices, django_assert_num_queries):
    with django_assert_num_queries(PAGE_QUERIES["home"]):
        response = client.get("/")
    groups = response.context["office_groups"]
    assert [level for level, _label, _provinces in groups] == ["province", "city"]
    for level, _label, provinces in groups:
        names = [province for province, _offices in provinces]
        assert names == sorted(names, key=str.casefold)
        for province, offices in provinces:
            assert {(office.level, office.province_en) for office in offices} == {(level, province)}
    listed = [office.slug for _level, _label, provinces in groups for _p, offices in provinces for office in offices]
    assert sorted(listed) == sorted(Office.objects.values_list("slug", flat=True))
    page = response.content.decode()
    assert 'id="level-province"' in page and 'id="level-city"' in page


def test_home_filters_by_level_province_and_name(client, many_offices):
    response = client.get("/", {"level": "city", "province": "Hunan"})
    shown = {office.slug for office in response.context["offices"]}
    assert shown == set(Office.objects.filter(level="city", province_en="Hunan").values_list("slug", flat=True))
    assert "hengyang" in shown and "hunan-province" not in shown
    response = client.get("/", {"level": "city", "province": "Beijing"})
    assert {office.slug for office in response.context["offices"]} == {"beijing-city-1"}
    response = client.get("/", {"q": "吉林"})
    assert {office.slug for office in response.context["offices"]} == set(
        Office.objects.filter(name_zh__contains="吉林").values_list("slug", flat=True)
    )
    response = client.get("/", {"province": "Atlantis"})
    assert response.status_code == 200 and not response.context["offices"]


def test_unit_page_caps_the_same_subjects_elsewhere_and_links_to_the_subject(client, many_offices):
    # The generated offices copy the real ones, so a subject of a copied unit is held in many offices.
    entry = (
        PortfolioEntry.objects.filter(unit__office__slug="beijing-province", unit__parent__isnull=False)
        .annotate(n=Count("subject__portfolio_entries"))
        .order_by("-n", "pk")
        .first()
    )
    unit = entry.unit
    with_more = PortfolioEntry.objects.filter(subject=entry.subject).exclude(unit__office=unit.office).count()
    assert with_more > 8
    response = client.get(f"/offices/{unit.office.slug}/{unit.slug}/")
    rows = {subject.slug: (entries, total) for subject, entries, total in response.context["subjects_elsewhere"]}
    entries, total = rows[entry.subject.slug]
    assert total == with_more and len(entries) == 8
    assert all(row.unit.office_id != unit.office_id for row in entries)
    link = f'href="/subjects/{entry.subject.slug}/">See all {with_more} units in other offices'
    assert link in response.content.decode()


def test_unit_page_queries_do_not_grow_with_offices(client, many_offices, django_assert_num_queries):
    unit = Unit.objects.filter(office__slug="beijing-province", parent__isnull=False).exclude(portfolio=None).first()
    # The unit, its duties, portfolio and children, its ancestors, and the ranked entries elsewhere
    # and their rows (the busiest real unit has no subject held elsewhere, so it skips the last).
    with django_assert_num_queries(8):
        assert client.get(f"/offices/{unit.office.slug}/{unit.slug}/").status_code == 200


def test_subject_page_lists_offices_a_page_at_a_time(client, many_offices, django_assert_num_queries):
    subject = Subject.objects.annotate(n=Count("portfolio_entries")).order_by("-n", "slug").first()
    total = Office.objects.count()
    with django_assert_num_queries(PAGE_QUERIES["subject"]):
        first = client.get(f"/subjects/{subject.slug}/")
    assert len(first.context["offices"]) == 40 < total
    assert 'rel="next" href="?page=2"' in first.content.decode()
    second = client.get(f"/subjects/{subject.slug}/", {"page": 2})
    shown = [office.slug for office, _e, _t in first.context["offices"] + second.context["offices"]]
    assert shown == list(Office.objects.order_by("order", "slug").values_list("slug", flat=True))[: len(shown)]
    assert len(shown) == min(total, 80)


@pytest.mark.parametrize("query", ["a", "ab", "  x ", "的"])
def test_search_refuses_words_too_short_to_mean_anything(client, many_offices, query):
    response = client.get("/search/", {"q": query})
    assert response.status_code == 200
    assert response.context["results"] == []
    assert "Type at least 3 letters, or 2 Chinese characters" in response.content.decode()
    assert len(response.content) < 60_000


def test_search_pages_its_results(client, many_offices, django_assert_num_queries):
    # The count, the page of units, their matching duties, portfolios and aliases, and the office choices.
    with django_assert_num_queries(6):
        response = client.get("/search/", {"q": "office"})
    count = response.context["result_count"]
    assert count > 40 and len(response.context["results"]) == 20
    assert 'rel="next" href="?q=office&amp;page=2"' in response.content.decode()
    second = client.get("/search/", {"q": "office", "page": 2}).context["results"]
    assert not {unit.pk for unit, _m in second} & {unit.pk for unit, _m in response.context["results"]}
    assert client.get("/search/", {"q": "旅游"}).context["result_count"] > 0


def test_route_page_groups_the_office_choice(client, many_offices):
    page = client.get("/route/").content.decode()
    groups = re.findall(r'<optgroup label="([^"]+)">(.*?)</optgroup>', page, re.S)
    labels = [label for label, _options in groups]
    assert labels[0] == "Provincial offices" and "City offices in Hunan" in labels
    assert 'value="hengyang"' in dict(groups)["City offices in Hunan"]
    assert 'value="beijing-city-1"' in dict(groups)["City offices in Beijing"]
    assert 'value="hunan-province"' in dict(groups)["Provincial offices"]
    assert page.count("<option value=") - 1 == Office.objects.count()
