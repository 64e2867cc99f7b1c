"""The organisation in other people's formats: Popolo, W3C ORG (JSON-LD), SKOS and Open311 GeoReport v2.

Each builder takes the plain data the selectors return (the interchange shape of
`orgunits.interchange`) and a `Links` object that turns slugs into absolute addresses, and returns
plain data ready for JSON or XML. No database access happens here.
"""
from xml.etree import ElementTree

from django.urls import reverse
from django.utils import translation

from orgunits.models import Unit

# BCP 47 tags for the two languages every name and duty comes in.
LANG_TAGS = {"en": "en", "zh": "zh-Hans"}

ORG_CONTEXT = {
    "org": "http://www.w3.org/ns/org#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "dcterms": "http://purl.org/dc/terms/",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "org:subOrganizationOf": {"@type": "@id"},
    "org:hasSubOrganization": {"@type": "@id"},
    "org:classification": {"@type": "@id"},
    "dcterms:subject": {"@type": "@id"},
    "skos:inScheme": {"@type": "@id"},
    "skos:broader": {"@type": "@id"},
    "skos:topConceptOf": {"@type": "@id"},
    "skos:hasTopConcept": {"@type": "@id"},
    "foaf:homepage": {"@type": "@id"},
}


class Links:
    """Absolute addresses of pages and documents, built from the request's scheme and host.

    Each address pattern is reversed once and filled in by slug, so a whole office costs no more
    than a handful of `reverse()` calls.
    """

    def __init__(self, base):
        self.base = base.rstrip("/")
        self._unit = reverse("orgunits:unit_detail", kwargs={"office": "OFFICE", "unit": "UNIT"})
        self._office = reverse("orgunits:office_detail", kwargs={"office": "OFFICE"})
        self._subject = reverse("orgunits:subject_detail", kwargs={"subject": "SUBJECT"})
        self._org = reverse("orgunits:api_office_org", kwargs={"office": "OFFICE"})
        self.subject_scheme = self.base + reverse("orgunits:api_subjects_jsonld")

    def office(self, office):
        return self.base + self._office.replace("OFFICE", office)

    def unit(self, office, unit):
        return self.base + self._unit.replace("OFFICE", office).replace("UNIT", unit)

    def subject(self, subject):
        return self.base + self._subject.replace("SUBJECT", subject)

    def org_document(self, office):
        return self.base + self._org.replace("OFFICE", office)

    def kind(self, office, kind):
        return f"{self.org_document(office)}#kind-{kind}"


def _kind_labels():
    """English and Chinese labels of every unit kind, from the model's translated choices."""
    labels = {}
    for language, tag in (("en", "en"), ("zh-hans", "zh-Hans")):
        with translation.override(language):
            for value, label in Unit.Kind.choices:
                labels.setdefault(value, {})[tag] = str(label)
    return labels


def _names(data):
    """The two names of an office or unit as language-tagged values."""
    return [
        {"@value": data["name_en"], "@language": LANG_TAGS["en"]},
        {"@value": data["name_zh"], "@language": LANG_TAGS["zh"]},
    ]


def _source_note(office):
    """The founding document as one readable line: title, number, date and file."""
    title = office["document_title_zh"] if office["source_language"] == "zh" else office["document_title_en"]
    title = title or office["document_title_en"] or office["document_title_zh"]
    parts = [part for part in (title, office["document_number"], office["document_date"]) if part]
    parts.append(f"file {office['source_file']}")
    return "; ".join(parts)


# Popolo ---------------------------------------------------------------------------------------


def popolo_organizations(*, office, links):
    """One Popolo Organization per unit of `office` (interchange shape), root first, in tree order.

    `name` is the name as the source document writes it (its language); `other_names` carry both
    languages with their BCP 47 tag (and the root also the office's other nameplates). Every
    sub-unit names its parent in `parent_id`; the founding document is the root's source.
    """
    source = {"url": links.office(office["slug"]), "note": _source_note(office)}
    source_key = "name_zh" if office["source_language"] == "zh" else "name_en"
    organizations = []
    for unit in office["units"]:
        other_names = [
            {"name": unit["name_en"], "lang": LANG_TAGS["en"], "note": "multilingual"},
            {"name": unit["name_zh"], "lang": LANG_TAGS["zh"], "note": "multilingual"},
        ]
        if unit["parent"] is None:
            for name in office["other_names"]:
                other_names.append({"name": name["name_en"], "lang": LANG_TAGS["en"], "note": "nameplate"})
                other_names.append({"name": name["name_zh"], "lang": LANG_TAGS["zh"], "note": "nameplate"})
        organization = {
            "id": popolo_id(office["slug"], unit["slug"]),
            "name": unit[source_key],
            "other_names": other_names,
            "identifiers": [{"scheme": "govoffice", "identifier": f"{office['slug']}/{unit['slug']}"}],
            "classification": unit["kind"],
            "links": [{"url": links.unit(office["slug"], unit["slug"]), "note": "web page"}],
            "sources": [source],
        }
        if unit["parent"] is not None:
            organization["parent_id"] = popolo_id(office["slug"], unit["parent"])
        organizations.append(organization)
    return {"organizations": organizations}


def popolo_id(office_slug, unit_slug):
    return f"{office_slug}/{unit_slug}"


# W3C ORG and SKOS -------------------------------------------------------------------------------


def org_graph(*, office, links):
    """The office as a W3C ORG graph in JSON-LD.

    The root is an `org:Organization` (also `org:FormalOrganization`); every other unit an
    `org:OrganizationalUnit` with `org:subOrganizationOf` its parent. Names are `skos:prefLabel` in
    en and zh-Hans; each duty is an `org:purpose` in both languages; the unit's kind is an
    `org:classification` concept; portfolio subjects are `dcterms:subject` links to the concepts
    of the shared taxonomy (`/api/subjects.jsonld`).
    """
    slug = office["slug"]
    kinds = _kind_labels()
    children = {}
    for unit in office["units"]:
        children.setdefault(unit["parent"], []).append(unit["slug"])
    nodes = []
    for unit in office["units"]:
        node = {
            "@id": links.unit(slug, unit["slug"]),
            "@type": ["org:Organization", "org:FormalOrganization"] if unit["parent"] is None
            else "org:OrganizationalUnit",
            "skos:prefLabel": _names(unit),
            "org:identifier": f"{slug}/{unit['slug']}",
            "org:classification": links.kind(slug, unit["kind"]),
            "foaf:homepage": links.unit(slug, unit["slug"]),
            "org:purpose": [
                value
                for duty in unit["duties"]
                for value in (
                    {"@value": duty["text_en"], "@language": LANG_TAGS["en"]},
                    {"@value": duty["text_zh"], "@language": LANG_TAGS["zh"]},
                )
            ],
            "dcterms:subject": [links.subject(entry["slug"]) for entry in unit["subjects"]],
        }
        if unit["parent"] is not None:
            node["org:subOrganizationOf"] = links.unit(slug, unit["parent"])
        if children.get(unit["slug"]):
            node["org:hasSubOrganization"] = [links.unit(slug, child) for child in children[unit["slug"]]]
        if unit["parent"] is None:
            node["dcterms:source"] = _source_note(office)
            node["skos:altLabel"] = [value for name in office["other_names"] for value in _names(name)]
        nodes.append(node)
    for kind in sorted({unit["kind"] for unit in office["units"]}):
        nodes.append(
            {
                "@id": links.kind(slug, kind),
                "@type": "skos:Concept",
                "skos:prefLabel": [{"@value": label, "@language": tag} for tag, label in kinds[kind].items()],
                "skos:notation": kind,
            }
        )
    return {"@context": ORG_CONTEXT, "@graph": nodes}


def skos_scheme(*, subjects, links):
    """The shared subject taxonomy as a `skos:ConceptScheme`: one `skos:Concept` per subject.

    `subjects` are dicts with slug, name_en, name_zh, parent and `aliases` as (text, language)
    pairs. Aliases become `skos:altLabel`s in their language; a parent is `skos:broader`, and a
    subject without one is a top concept of the scheme.
    """
    scheme = links.subject_scheme
    top = [links.subject(subject["slug"]) for subject in subjects if subject["parent"] is None]
    nodes = [
        {
            "@id": scheme,
            "@type": "skos:ConceptScheme",
            "skos:prefLabel": [
                {"@value": "General Office subject areas", "@language": "en"},
                {"@value": "办公厅职责主题", "@language": "zh-Hans"},
            ],
            "skos:hasTopConcept": top,
        }
    ]
    for subject in subjects:
        node = {
            "@id": links.subject(subject["slug"]),
            "@type": "skos:Concept",
            "skos:inScheme": scheme,
            "skos:notation": subject["slug"],
            "skos:prefLabel": _names(subject),
            "skos:altLabel": [
                {"@value": text, "@language": LANG_TAGS.get(language, language)}
                for text, language in subject["aliases"]
            ],
        }
        if subject["parent"] is None:
            node["skos:topConceptOf"] = scheme
        else:
            node["skos:broader"] = links.subject(subject["parent"])
        nodes.append(node)
    return {"@context": ORG_CONTEXT, "@graph": nodes}


# Open311 GeoReport v2 ---------------------------------------------------------------------------


def open311_services(*, subjects, chinese):
    """One GeoReport v2 service per subject: code = slug, name in the reader's language, aliases as keywords.

    `subjects` are dicts as for `skos_scheme`, each also with `parent_name_en` and `parent_name_zh`.
    Every service is `realtime` (a matter is routed as it comes in) and needs no extra attributes
    (`metadata: false`); `group` is the parent subject's name.
    """
    services = []
    for subject in subjects:
        name, other = (subject["name_zh"], subject["name_en"]) if chinese else (subject["name_en"], subject["name_zh"])
        group = subject["parent_name_zh"] if chinese else subject["parent_name_en"]
        services.append(
            {
                "service_code": subject["slug"],
                "service_name": name,
                "description": other,
                "metadata": False,
                "type": "realtime",
                "keywords": ",".join(open311_keyword(text) for text, _language in subject["aliases"]),
                "group": group or "",
            }
        )
    return services


def open311_keyword(text):
    """An alias as one GeoReport keyword: keywords are comma-separated, so a comma inside one becomes a space."""
    return " ".join(text.replace(",", " ").split())


def open311_definition(*, subject, offices):
    """A GeoReport v2 service definition: no attributes to fill in, and which unit handles it where.

    `offices` are `(office slug, office name, [unit dict, ...])` with unit dicts holding slug,
    name_en, name_zh and url; the extension key `handled_by` lists every office, an empty unit list
    where that office's document gives the subject to no unit.
    """
    return {
        "service_code": subject,
        "attributes": [],
        "handled_by": [
            {"jurisdiction_id": slug, "jurisdiction_name": name, "units": units} for slug, name, units in offices
        ],
    }


def open311_services_xml(services):
    """The services list as GeoReport v2 XML: `<services><service>…</service></services>`."""
    root = ElementTree.Element("services")
    for service in services:
        element = ElementTree.SubElement(root, "service")
        for key, value in service.items():
            child = ElementTree.SubElement(element, key)
            child.text = ("true" if value else "false") if isinstance(value, bool) else str(value)
    return ElementTree.tostring(root, encoding="utf-8", xml_declaration=True)


def open311_errors_xml(errors):
    root = ElementTree.Element("errors")
    for error in errors:
        element = ElementTree.SubElement(root, "error")
        ElementTree.SubElement(element, "code").text = str(error["code"])
        ElementTree.SubElement(element, "description").text = error["description"]
    return ElementTree.tostring(root, encoding="utf-8", xml_declaration=True)
