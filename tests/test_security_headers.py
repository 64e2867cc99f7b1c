"""Every page carries a Content-Security-Policy that allows no inline script and nothing from other sites."""
import re

import pytest

pytestmark = pytest.mark.django_db

PAGES = [
    "/",
    "/offices/shanxi/",
    "/offices/shanxi/secretariat-3/",
    "/subjects/",
    "/subjects/tourism/",
    "/search/?q=tourism",
    "/route/?q=coal+safety",
    "/api/offices/",
    "/api/route?q=tourism",
    "/healthz",
    "/admin/login/",
    "/no-such-page/",
]


def policy(response):
    header = response.headers.get("Content-Security-Policy", "")
    return {part.split()[0]: part.split()[1:] for part in header.split(";") if part.strip()}


@pytest.mark.parametrize("url", PAGES)
def test_every_page_has_a_policy_without_inline_script(client, url):
    response = client.get(url)
    rules = policy(response)
    assert rules, url
    assert rules["default-src"] == ["'self'"]
    assert rules["script-src"] == ["'self'"]
    assert rules["object-src"] == ["'none'"] and rules["frame-ancestors"] == ["'none'"]
    assert not any("unsafe" in value or value == "*" for values in rules.values() for value in values)


@pytest.mark.parametrize("url", [page for page in PAGES if not page.startswith(("/api/", "/healthz"))])
def test_pages_have_no_inline_script_or_style_attribute(client, url):
    html = client.get(url).content.decode()
    for tag in re.findall(r"<script\b[^>]*>", html):
        assert "src=" in tag or 'type="application/json"' in tag, (url, tag)
    assert not re.search(r"\son[a-z]+\s*=", html), url
    assert not re.search(r"<[a-z][^>]*\sstyle=", html), url


def test_the_chart_picture_allows_only_its_own_styles(client):
    response = client.get("/offices/shanxi/chart.svg")
    rules = policy(response)
    assert rules["script-src"] == ["'self'"]
    assert "'unsafe-inline'" in rules["style-src"]
    assert "<script" not in response.content.decode()
