"""Standard formats: Popolo, W3C ORG JSON-LD, the SKOS taxonomy and Open311 GeoReport v2."""
import csv
import io
import json
import re
from xml.etree import ElementTree

import pytest
import rdflib
from rdflib.namespace import DCTERMS, ORG, RDF, SKOS

from orgunits.models import Duty, Office, PortfolioEntry, Subject, SubjectAlias, Unit

pytestmark = pytest.mark.django_db

BASE = "http://testserver"
OFFICES = ["shanxi", "jilin", "hengyang", "zhengzhou", "hunan"]


def unit_url(office, unit):
    return f"{BASE}/offices/{office}/{unit}/"


# Popolo -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("office", OFFICES)
def test_popolo_has_one_organization_per_unit_with_parent_ids(client, office):
    response = client.get(f"/api/offices/{office}/popolo.json")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    organizations = response.json()["organizations"]
    units = list(Unit.objects.filter(office__slug=office).select_related("parent").order_by("tree_id", "lft"))
    assert [org["id"] for org in organizations] == [f"{office}/{unit.slug}" for unit in units]
    ids = {org["id"] for org in organizations}
    for org, unit in zip(organizations, units, strict=True):
        assert org["classification"] == unit.kind
        names = {(name["lang"], name["name"]) for name in org["other_names"]}
        assert {("en", unit.name_en), ("zh-Hans", unit.name_zh)} <= names
        assert org["name"] in (unit.name_en, unit.name_zh)
        assert org["sources"] and org["sources"][0]["url"] == f"{BASE}/offices/{office}/"
        if unit.parent is None:
            assert "parent_id" not in org
        else:
            assert org["parent_id"] == f"{office}/{unit.parent.slug}"
            assert org["parent_id"] in ids


def test_popolo_names_units_as_the_source_writes_them_and_cites_the_document(client):
    office = Office.objects.get(slug="jilin")
    root = client.get("/api/offices/jilin/popolo.json").json()["organizations"][0]
    unit = Unit.objects.get(office=office, parent=None)
    assert root["name"] == (unit.name_zh if office.source_language == "zh" else unit.name_en)
    note = root["sources"][0]["note"]
    assert office.source_file in note
    if office.document_number:
        assert office.document_number in note
    for name in office.other_names.all():
        assert {"name": name.name_zh, "lang": "zh-Hans", "note": "nameplate"} in root["other_names"]


# W3C ORG and SKOS --------------------------------------------------------------------------------


def _graph(response):
    assert response.status_code == 200
    assert response["Content-Type"] == "application/ld+json"
    return rdflib.Graph().parse(data=response.content.decode(), format="json-ld")


@pytest.mark.parametrize("office", OFFICES)
def test_org_jsonld_parses_with_a_sub_organisation_link_for_every_sub_unit(client, office):
    graph = _graph(client.get(f"/api/offices/{office}/org.jsonld"))
    units = list(Unit.objects.filter(office__slug=office).select_related("parent"))
    for unit in units:
        node = rdflib.URIRef(unit_url(office, unit.slug))
        labels = {(str(label), label.language) for label in graph.objects(node, SKOS.prefLabel)}
        assert labels == {(unit.name_en, "en"), (unit.name_zh, "zh-Hans")}
        parents = list(graph.objects(node, ORG.subOrganizationOf))
        if unit.parent is None:
            assert (node, RDF.type, ORG.Organization) in graph
            assert parents == []
        else:
            assert (node, RDF.type, ORG.OrganizationalUnit) in graph
            assert parents == [rdflib.URIRef(unit_url(office, unit.parent.slug))]
        kind = list(graph.objects(node, ORG.classification))
        assert len(kind) == 1 and (kind[0], RDF.type, SKOS.Concept) in graph
        assert str(graph.value(kind[0], SKOS.notation)) == unit.kind


def test_org_jsonld_gives_every_duty_as_a_purpose_in_both_languages(client):
    graph = _graph(client.get("/api/offices/shanxi/org.jsonld"))
    duties = list(Duty.objects.filter(unit__office__slug="shanxi").select_related("unit"))
    assert duties
    for duty in duties:
        node = rdflib.URIRef(unit_url("shanxi", duty.unit.slug))
        purposes = {(str(purpose), purpose.language) for purpose in graph.objects(node, ORG.purpose)}
        assert (duty.text_en, "en") in purposes
        assert (duty.text_zh, "zh-Hans") in purposes


def test_org_jsonld_links_portfolio_subjects_to_the_skos_concepts(client):
    graph = _graph(client.get("/api/offices/hunan/org.jsonld"))
    scheme = _graph(client.get("/api/subjects.jsonld"))
    entries = PortfolioEntry.objects.filter(unit__office__slug="hunan").select_related("unit", "subject")
    assert entries
    for entry in entries:
        concept = rdflib.URIRef(f"{BASE}/subjects/{entry.subject.slug}/")
        assert (rdflib.URIRef(unit_url("hunan", entry.unit.slug)), DCTERMS.subject, concept) in graph
        assert (concept, RDF.type, SKOS.Concept) in scheme


def test_subjects_jsonld_is_a_skos_concept_scheme_of_the_whole_taxonomy(client):
    graph = _graph(client.get("/api/subjects.jsonld"))
    scheme = rdflib.URIRef(f"{BASE}/api/subjects.jsonld")
    assert (scheme, RDF.type, SKOS.ConceptScheme) in graph
    subjects = list(Subject.objects.select_related("parent"))
    concepts = set(graph.subjects(RDF.type, SKOS.Concept))
    assert concepts == {rdflib.URIRef(f"{BASE}/subjects/{subject.slug}/") for subject in subjects}
    for subject in subjects:
        concept = rdflib.URIRef(f"{BASE}/subjects/{subject.slug}/")
        assert (concept, SKOS.inScheme, scheme) in graph
        assert {(str(label), label.language) for label in graph.objects(concept, SKOS.prefLabel)} == {
            (subject.name_en, "en"),
            (subject.name_zh, "zh-Hans"),
        }
        if subject.parent is None:
            assert (scheme, SKOS.hasTopConcept, concept) in graph
        else:
            assert (concept, SKOS.broader, rdflib.URIRef(f"{BASE}/subjects/{subject.parent.slug}/")) in graph
    alias = SubjectAlias.objects.select_related("subject").first()
    concept = rdflib.URIRef(f"{BASE}/subjects/{alias.subject.slug}/")
    alt = {(str(label), label.language) for label in graph.objects(concept, SKOS.altLabel)}
    assert (alias.text, {"en": "en", "zh": "zh-Hans"}[alias.language]) in alt


# Open311 GeoReport v2 ----------------------------------------------------------------------------


def test_open311_services_has_a_service_for_every_subject(client):
    response = client.get("/api/open311/services.json")
    assert response.status_code == 200
    services = response.json()
    subjects = {subject.slug: subject for subject in Subject.objects.select_related("parent")}
    assert [service["service_code"] for service in services] == sorted(subjects)
    for service in services:
        subject = subjects[service["service_code"]]
        assert service["service_name"] == subject.name_en
        assert service["type"] == "realtime"
        assert service["metadata"] is False
        assert service["group"] == (subject.parent.name_en if subject.parent else "")
        keywords = service["keywords"].split(",") if service["keywords"] else []
        aliases = list(subject.aliases.order_by("id").values_list("text", flat=True))
        assert keywords == [" ".join(alias.replace(",", " ").split()) for alias in aliases]


def test_open311_services_speak_the_readers_language(client):
    services = client.get("/api/open311/services.json", HTTP_ACCEPT_LANGUAGE="zh-Hans").json()
    tourism = next(service for service in services if service["service_code"] == "tourism")
    assert tourism["service_name"] == Subject.objects.get(slug="tourism").name_zh


def test_open311_services_xml_carries_the_same_services(client):
    response = client.get("/api/open311/services.xml")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/xml")
    root = ElementTree.fromstring(response.content)
    assert root.tag == "services"
    as_json = client.get("/api/open311/services.json").json()
    as_xml = [{child.tag: child.text or "" for child in service} for service in root]
    assert len(as_xml) == len(as_json)
    for xml_service, json_service in zip(as_xml, as_json, strict=True):
        expected = {key: ("false" if value is False else str(value)) for key, value in json_service.items()}
        assert xml_service == expected


def test_open311_jurisdiction_keeps_the_services_an_office_handles(client):
    services = client.get("/api/open311/services.json?jurisdiction_id=hengyang").json()
    held = set(PortfolioEntry.objects.filter(unit__office__slug="hengyang").values_list("subject__slug", flat=True))
    assert {service["service_code"] for service in services} == held
    for unknown in ("atlantis", "j%00lin", "%C2%8D%E5%90%89"):
        missing = client.get(f"/api/open311/services.json?jurisdiction_id={unknown}")
        assert missing.status_code == 404
        assert missing.json()[0]["code"] == 404
        assert client.get(f"/api/open311/services.xml?jurisdiction_id={unknown}").status_code == 404


def test_open311_service_definition_says_which_unit_handles_it_in_each_office(client):
    response = client.get("/api/open311/services/tourism.json")
    assert response.status_code == 200
    data = response.json()
    assert data["service_code"] == "tourism"
    assert data["attributes"] == []
    handled = {entry["jurisdiction_id"]: [unit["slug"] for unit in entry["units"]] for entry in data["handled_by"]}
    assert list(handled) == list(Office.objects.order_by("order", "slug").values_list("slug", flat=True))
    for office in handled:
        expected = list(
            Unit.objects.filter(office__slug=office, portfolio__subject__slug="tourism")
            .order_by("tree_id", "lft")
            .values_list("slug", flat=True)
        )
        assert handled[office] == expected
    assert any(handled.values())
    unit = next(entry for entry in data["handled_by"] if entry["units"])["units"][0]
    assert unit["url"].startswith(BASE + "/offices/")


@pytest.mark.parametrize("code", ["no-such-subject", "%E6%97%85", "tour%00ism"])
def test_open311_unknown_service_is_a_json_404(client, code):
    response = client.get(f"/api/open311/services/{code}.json")
    assert response.status_code == 404
    assert response.json()[0]["code"] == 404


# CSV and the office page -----------------------------------------------------------------------


def test_units_csv_has_a_row_per_unit_in_the_admin_import_columns(client):
    response = client.get("/api/offices/hengyang/units.csv")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert 'filename="hengyang-units.csv"' in response["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    units = list(Unit.objects.filter(office__slug="hengyang").select_related("parent").order_by("tree_id", "lft"))
    assert list(rows[0]) == ["office", "slug", "parent", "kind", "name_en", "name_zh", "source_label", "order"]
    assert [(row["slug"], row["parent"], row["name_zh"]) for row in rows] == [
        (unit.slug, unit.parent.slug if unit.parent else "", unit.name_zh) for unit in units
    ]


def test_office_page_links_every_download(client):
    page = client.get("/offices/zhengzhou/").content.decode()
    links = dict(re.findall(r'<a href="(/api/offices/zhengzhou/[^"]*)"[^>]*>([^<]+)</a>', page))
    assert links == {
        "/api/offices/zhengzhou/": "JSON",
        "/api/offices/zhengzhou/popolo.json": "Popolo",
        "/api/offices/zhengzhou/org.jsonld": "ORG JSON-LD",
        "/api/offices/zhengzhou/units.csv": "CSV",
    }
    for url in links:
        assert client.get(url).status_code == 200
    assert "下载：" in client.get("/offices/zhengzhou/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()


# Shared behaviour -------------------------------------------------------------------------------

FORMAT_URLS = [
    "/api/offices/{office}/popolo.json",
    "/api/offices/{office}/org.jsonld",
    "/api/offices/{office}/units.csv",
    "/api/subjects.jsonld",
    "/api/open311/services.json",
    "/api/open311/services.xml",
    "/api/open311/services/tourism.json",
]


@pytest.mark.parametrize(
    "url", ["/api/offices/atlantis/popolo.json", "/api/offices/atlantis/org.jsonld", "/api/offices/atlantis/units.csv"]
)
def test_unknown_office_is_a_json_404(client, url):
    response = client.get(url)
    assert response.status_code == 404
    assert "detail" in json.loads(response.content)


@pytest.mark.parametrize("url", FORMAT_URLS)
def test_formats_are_read_only(client, url):
    url = url.format(office="jilin")
    assert client.post(url, {}).status_code == 405
    assert client.head(url).status_code == 200


@pytest.mark.parametrize("url", FORMAT_URLS)
def test_formats_run_a_fixed_number_of_queries_whatever_the_office_size(client, django_assert_max_num_queries, url):
    """The offices range from a few dozen units to over a hundred; the bound is the same for all."""
    for office in OFFICES:
        with django_assert_max_num_queries(7):
            assert client.get(url.format(office=office)).status_code == 200
