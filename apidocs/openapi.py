"""The OpenAPI 3.1 description of every /api/ endpoint, written as data.

The description is built from plain dicts rather than generated from the views: the views are
small functions, and a hand-kept description that the test suite checks against the running
views (schemathesis) says more than annotations would. Paths are listed in `PATHS`; shared
shapes are in `SCHEMAS`.
"""
from routing.engine import MAX_QUERY_CHARS
from routing.forms import MAX_LIMIT

SLUG = {"type": "string", "pattern": "^[a-z0-9]+(?:-[a-z0-9]+)*$", "maxLength": 80}
TEXT = {"type": "string"}
NULLABLE_TEXT = {"type": ["string", "null"]}


def ref(name):
    return {"$ref": f"#/components/schemas/{name}"}


def obj(properties, required=None, description=None):
    schema = {"type": "object", "properties": properties, "required": list(required or properties)}
    if description:
        schema["description"] = description
    return schema


def array(items, description=None):
    schema = {"type": "array", "items": items}
    if description:
        schema["description"] = description
    return schema


# Lists ---------------------------------------------------------------------------------------
# A list endpoint answers a page at a time: {count, page, pages, next, previous, results}, with a
# `page` parameter.


def paged_list(item):
    return obj(
        {
            "count": {"type": "integer", "minimum": 0, "description": "Items in the whole list."},
            "page": {"type": "integer", "minimum": 1},
            "pages": {"type": "integer", "minimum": 0},
            "next": {**NULLABLE_TEXT, "description": "Address of the next page, or null on the last."},
            "previous": {**NULLABLE_TEXT, "description": "Address of the previous page, or null on the first."},
            "results": array(item),
        }
    )


PAGE_PARAMETER = {
    "name": "page",
    "in": "query",
    "required": False,
    "description": "Page number, from 1.",
    "schema": {"type": "integer", "minimum": 1},
}


def list_answer(key, item):
    return paged_list(item)


LIST_PARAMETERS = [PAGE_PARAMETER]


# Shapes ----------------------------------------------------------------------------------------

UNIT_KINDS = [
    "office", "division", "section", "room", "committee", "institution", "representative-office", "managed-agency",
]

REASON = {
    "type": "object",
    "description": "What matched: a portfolio subject, a duty sentence or the unit's name.",
    "required": ["kind", "text_en", "text_zh", "matched"],
    "properties": {
        "kind": {"type": "string", "examples": ["subject", "duty", "name"]},
        "text_en": TEXT,
        "text_zh": TEXT,
        "matched": array(TEXT, "The words of the query that matched."),
        "subject": {**SLUG, "description": "For a subject reason: the subject's slug."},
        "scope_en": TEXT,
        "scope_zh": TEXT,
        "quote": {**TEXT, "description": "The source wording that assigns the subject."},
    },
}

SCHEMAS = {
    "Error": obj({"error": {**TEXT, "description": "One readable sentence saying what is wrong."}}),
    "NotFound": obj({"detail": TEXT}),
    "Open311Errors": array(obj({"code": {"type": "integer"}, "description": TEXT})),
    "RouteRequest": {
        "type": "object",
        "required": ["q"],
        "properties": {
            "q": {"type": "string", "minLength": 1, "maxLength": MAX_QUERY_CHARS, "description": "The matter."},
            "office": {**NULLABLE_TEXT, "description": "An office slug; all offices when left out."},
            "limit": {"type": ["integer", "null"], "minimum": 1, "maximum": MAX_LIMIT},
        },
    },
    "RouteResult": {
        "type": "object",
        "required": ["query", "office", "results", "confident", "transfer"],
        "properties": {
            "query": TEXT,
            "office": NULLABLE_TEXT,
            "results": array(
                {
                    "type": "object",
                    "required": ["office", "unit", "name_en", "name_zh", "score", "tie", "reasons"],
                    "properties": {
                        "office": SLUG,
                        "unit": SLUG,
                        "name_en": TEXT,
                        "name_zh": TEXT,
                        "score": {"type": "number"},
                        "tie": {"type": "boolean", "description": "Scored the same as the unit before it."},
                        "reasons": array(REASON),
                    },
                },
                "Candidate units, best first; empty when no unit fits.",
            ),
            "confident": {"type": "boolean"},
            "transfer": {
                "type": ["object", "null"],
                "description": "The function the document says moved out of the office, when the matter is one.",
            },
        },
    },
    "OfficeSummary": obj(
        {
            "slug": SLUG,
            "name_en": TEXT,
            "name_zh": TEXT,
            "level": {"type": "string", "enum": ["province", "city"]},
            "unit_count": {"type": "integer", "minimum": 0},
            "url": {**TEXT, "description": "The office's page."},
            "api_url": {**TEXT, "description": "The office in the interchange shape."},
        }
    ),
    "Unit": obj(
        {
            "slug": SLUG,
            "parent": {"type": ["string", "null"], "description": "The parent unit's slug; null for the root."},
            "kind": {"type": "string", "enum": UNIT_KINDS},
            "name_en": TEXT,
            "name_zh": TEXT,
            "source_label": TEXT,
            "duties": array(obj({"text_en": TEXT, "text_zh": TEXT})),
            "subjects": array(
                obj(
                    {
                        "slug": SLUG,
                        "name_en": TEXT,
                        "name_zh": TEXT,
                        "scope": {**TEXT, "description": "The scope note in the source's language."},
                        "scope_en": TEXT,
                        "scope_zh": TEXT,
                        "quote": TEXT,
                    }
                )
            ),
        }
    ),
    "Office": obj(
        {
            "slug": SLUG,
            "name_en": TEXT,
            "name_zh": TEXT,
            "level": {"type": "string", "enum": ["province", "city"]},
            "source_file": TEXT,
            "source_language": {"type": "string", "enum": ["en", "zh"]},
            "document_title_en": TEXT,
            "document_title_zh": TEXT,
            "document_number": TEXT,
            "document_date": {"type": ["string", "null"], "format": "date"},
            "address_en": TEXT,
            "address_zh": TEXT,
            "telephone": TEXT,
            "staffing_posts": {"type": ["integer", "null"]},
            "staffing_en": TEXT,
            "staffing_zh": TEXT,
            "other_names": array(obj({"name_en": TEXT, "name_zh": TEXT, "quote": TEXT})),
            "units": array(ref("Unit"), "Units in tree order, the root (the General Office itself) first."),
            "transfers": array(
                obj(
                    {
                        "direction": {"type": "string", "enum": ["out", "in"]},
                        "text_en": TEXT,
                        "text_zh": TEXT,
                        "quote": TEXT,
                        "body_en": TEXT,
                        "body_zh": TEXT,
                        "subjects": array(SLUG),
                    }
                )
            ),
        }
    ),
    "Subject": obj(
        {
            "slug": SLUG,
            "name_en": TEXT,
            "name_zh": TEXT,
            "aliases": array(TEXT),
            "parent": {"type": ["string", "null"]},
            "offices": array(obj({"office": SLUG, "units": array(SLUG)}), "The units of each office that hold it."),
        }
    ),
    "PopoloOrganization": {
        "type": "object",
        "required": ["id", "name", "other_names", "classification", "sources"],
        "properties": {
            "id": TEXT,
            "name": TEXT,
            "other_names": array(obj({"name": TEXT, "lang": TEXT, "note": TEXT})),
            "identifiers": array(obj({"scheme": TEXT, "identifier": TEXT})),
            "classification": {"type": "string", "enum": UNIT_KINDS},
            "parent_id": {**TEXT, "description": "Present on every unit but the root."},
            "links": array(obj({"url": TEXT, "note": TEXT})),
            "sources": array(obj({"url": TEXT, "note": TEXT})),
        },
    },
    "JsonLd": {
        "type": "object",
        "required": ["@context", "@graph"],
        "properties": {"@context": {"type": "object"}, "@graph": array({"type": "object"})},
    },
    "Open311Service": obj(
        {
            "service_code": SLUG,
            "service_name": TEXT,
            "description": TEXT,
            "metadata": {"type": "boolean"},
            "type": {"type": "string", "enum": ["realtime", "batch", "blackbox"]},
            "keywords": {**TEXT, "description": "Comma-separated aliases."},
            "group": {**TEXT, "description": "The parent subject's name; empty for a top-level subject."},
        }
    ),
    "Open311ServiceDefinition": obj(
        {
            "service_code": SLUG,
            "attributes": array({"type": "object"}),
            "handled_by": array(
                obj(
                    {
                        "jurisdiction_id": SLUG,
                        "jurisdiction_name": TEXT,
                        "units": array(obj({"slug": SLUG, "name_en": TEXT, "name_zh": TEXT, "url": TEXT})),
                    }
                ),
                "Every office, with the units whose portfolio holds the subject (none where no unit does).",
            ),
        }
    ),
}


# Operations ------------------------------------------------------------------------------------


def json_answer(description, schema, media_type="application/json"):
    return {"description": description, "content": {media_type: {"schema": schema}}}


OFFICE_PARAMETER = {
    "name": "office",
    "in": "path",
    "required": True,
    "description": "The office's slug, e.g. `shanxi`.",
    "schema": SLUG,
}
NO_OFFICE = json_answer("There is no such office.", ref("NotFound"))
BAD_ROUTE = json_answer("Empty, overlong or unroutable `q`, unknown office or bad `limit`.", ref("Error"))

ROUTE_DESCRIPTION = (
    "Names the units responsible for a matter, ranked, each with the reasons quoted from the source "
    "document. Without `office`, the best unit of each office is returned, best first. `results` is "
    "empty when no unit fits; `transfer` is set when the matter belongs to a function the document "
    "says moved out of the office."
)

PATHS = {
    "/api/route": {
        "get": {
            "operationId": "routeMatter",
            "tags": ["Routing"],
            "summary": "Route a matter to the responsible unit",
            "description": ROUTE_DESCRIPTION,
            "parameters": [
                {
                    "name": "q",
                    "in": "query",
                    "required": True,
                    "description": "The matter, in English or Chinese.",
                    "schema": {"type": "string", "minLength": 1, "maxLength": MAX_QUERY_CHARS},
                },
                {
                    "name": "office",
                    "in": "query",
                    "required": False,
                    "description": "An office slug; all offices when left out.",
                    "schema": {"type": "string"},
                },
                {
                    "name": "limit",
                    "in": "query",
                    "required": False,
                    "description": "How many units to return (default 5).",
                    "schema": {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT},
                },
            ],
            "responses": {"200": json_answer("The ranked units.", ref("RouteResult")), "400": BAD_ROUTE},
        },
        "post": {
            "operationId": "routeMatterPost",
            "tags": ["Routing"],
            "summary": "Route a matter given as a JSON body",
            "description": ROUTE_DESCRIPTION + " The same as the GET form, for long matters and JSON clients.",
            "requestBody": {"required": True, "content": {"application/json": {"schema": ref("RouteRequest")}}},
            "responses": {
                "200": json_answer("The ranked units.", ref("RouteResult")),
                "400": json_answer("A body that is not a JSON object, or the faults of the GET form.", ref("Error")),
            },
        },
    },
    "/api/offices/": {
        "get": {
            "operationId": "listOffices",
            "tags": ["Organisation"],
            "summary": "The offices",
            "description": "Every office in source order with its level and number of units, 100 a page.",
            "parameters": LIST_PARAMETERS,
            "responses": {"200": json_answer("The offices, a page at a time.",
                                             list_answer("offices", ref("OfficeSummary"))),
                          "400": json_answer("A page number that is not a page of the list.", ref("Error"))},
        }
    },
    "/api/offices/{office}/": {
        "get": {
            "operationId": "getOffice",
            "tags": ["Organisation"],
            "summary": "One office with its whole tree",
            "description": "Facts, other names, units (tree order) with duties and subjects, and transfers, "
            "exactly as `export_org` writes them.",
            "parameters": [OFFICE_PARAMETER],
            "responses": {"200": json_answer("The office.", ref("Office")), "404": NO_OFFICE},
        }
    },
    "/api/offices/{office}/popolo.json": {
        "get": {
            "operationId": "getOfficePopolo",
            "tags": ["Standard formats"],
            "summary": "The office's units as Popolo organizations",
            "description": "One Popolo Organization per unit: `name` as the source writes it, `other_names` in "
            "en and zh-Hans, the kind as `classification`, `parent_id` on every sub-unit and the founding "
            "document in `sources`.",
            "parameters": [OFFICE_PARAMETER],
            "responses": {
                "200": json_answer("The organizations.", obj({"organizations": array(ref("PopoloOrganization"))})),
                "404": NO_OFFICE,
            },
        }
    },
    "/api/offices/{office}/org.jsonld": {
        "get": {
            "operationId": "getOfficeOrg",
            "tags": ["Standard formats"],
            "summary": "The office as W3C ORG in JSON-LD",
            "description": "`org:Organization` for the office, `org:OrganizationalUnit` with "
            "`org:subOrganizationOf` for every unit, `skos:prefLabel` in en and zh-Hans, every duty as "
            "`org:purpose` in both languages, the kind as `org:classification` and portfolio subjects as "
            "`dcterms:subject` links to the concepts of `/api/subjects.jsonld`.",
            "parameters": [OFFICE_PARAMETER],
            "responses": {"200": json_answer("The graph.", ref("JsonLd"), "application/ld+json"), "404": NO_OFFICE},
        }
    },
    "/api/offices/{office}/units.csv": {
        "get": {
            "operationId": "getOfficeUnitsCsv",
            "tags": ["Standard formats"],
            "summary": "The office's units as CSV",
            "description": "One row per unit in tree order: office, slug, parent (slug), kind, name_en, name_zh, "
            "source_label, order. The admin's spreadsheet import reads the same columns.",
            "parameters": [OFFICE_PARAMETER],
            "responses": {
                "200": {"description": "The units.", "content": {"text/csv": {"schema": {"type": "string"}}}},
                "404": NO_OFFICE,
            },
        }
    },
    "/api/subjects/": {
        "get": {
            "operationId": "listSubjects",
            "tags": ["Organisation"],
            "summary": "The subject taxonomy",
            "description": "Every subject with its aliases and parent, and the units of each office that hold it.",
            "parameters": LIST_PARAMETERS,
            "responses": {"200": json_answer("The subjects, a page at a time.",
                                             list_answer("subjects", ref("Subject"))),
                          "400": json_answer("A page number that is not a page of the list.", ref("Error"))},
        }
    },
    "/api/subjects.jsonld": {
        "get": {
            "operationId": "getSubjectScheme",
            "tags": ["Standard formats"],
            "summary": "The subject taxonomy as a SKOS concept scheme",
            "description": "A `skos:ConceptScheme` with one `skos:Concept` per subject: labels in en and "
            "zh-Hans, aliases as `skos:altLabel`, parents as `skos:broader`.",
            "responses": {"200": json_answer("The concept scheme.", ref("JsonLd"), "application/ld+json")},
        }
    },
    "/api/open311/services.json": {
        "get": {
            "operationId": "listOpen311Services",
            "tags": ["Open311 GeoReport v2"],
            "summary": "Every subject as an Open311 service",
            "description": "GeoReport v2 service list: `service_code` is the subject's slug, `service_name` "
            "its name in the language the client asks for (Accept-Language), `keywords` its aliases.",
            "parameters": [
                {
                    "name": "jurisdiction_id",
                    "in": "query",
                    "required": False,
                    "description": "An office slug: only the services a unit of that office handles.",
                    "schema": {"type": "string"},
                }
            ],
            "responses": {
                "200": json_answer("The services.", array(ref("Open311Service"))),
                "404": json_answer("Unknown jurisdiction.", ref("Open311Errors")),
            },
        }
    },
    "/api/open311/services.xml": {
        "get": {
            "operationId": "listOpen311ServicesXml",
            "tags": ["Open311 GeoReport v2"],
            "summary": "Every subject as an Open311 service, in XML",
            "description": "The same list as `services.json`, as `<services><service>…</service></services>`.",
            "parameters": [
                {
                    "name": "jurisdiction_id",
                    "in": "query",
                    "required": False,
                    "description": "An office slug: only the services a unit of that office handles.",
                    "schema": {"type": "string"},
                }
            ],
            "responses": {
                "200": {"description": "The services.", "content": {"application/xml": {"schema": {"type": "string"}}}},
                "404": {"description": "Unknown jurisdiction.", "content": {"application/xml": {"schema": TEXT}}},
            },
        }
    },
    "/api/open311/services/{service_code}.json": {
        "get": {
            "operationId": "getOpen311Service",
            "tags": ["Open311 GeoReport v2"],
            "summary": "Which unit handles a service in each office",
            "description": "A GeoReport v2 service definition (no attributes to fill in) with `handled_by`: "
            "every office and the units whose portfolio holds the subject.",
            "parameters": [
                {
                    "name": "service_code",
                    "in": "path",
                    "required": True,
                    "description": "A subject slug.",
                    "schema": SLUG,
                },
            ],
            "responses": {
                "200": json_answer("The service definition.", ref("Open311ServiceDefinition")),
                "404": json_answer("Unknown service code.", ref("Open311Errors")),
            },
        }
    },
}


def openapi_description(*, server_url="/"):
    """The whole OpenAPI 3.1 document."""
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "General Office Directory API",
            "version": "1.0",
            "description": "The organisation of five government General Offices (units, duties, subject "
            "portfolios) and the router that names the unit responsible for a matter. Read-only, no "
            "authentication. Bad input is a 400 with `{\"error\": …}`; an unknown office a 404.",
        },
        "servers": [{"url": server_url}],
        "tags": [
            {"name": "Routing"},
            {"name": "Organisation"},
            {"name": "Standard formats", "description": "Popolo, W3C ORG and SKOS."},
            {"name": "Open311 GeoReport v2"},
        ],
        "paths": PATHS,
        "components": {"schemas": SCHEMAS},
    }
