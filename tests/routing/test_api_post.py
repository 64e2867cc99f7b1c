"""POST /api/route and the route page's POST: long matters are routed, malformed requests get a clear 400."""
import json

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def post(client, body):
    data = body if isinstance(body, (str, bytes)) else json.dumps(body, ensure_ascii=False)
    return client.post("/api/route", data=data, content_type="application/json")


@pytest.fixture
def csrf_client():
    return Client(enforce_csrf_checks=True)


def test_post_gives_the_same_answer_as_get_without_a_csrf_token(csrf_client):
    get = csrf_client.get("/api/route", {"q": "coal safety", "office": "shanxi", "limit": 3})
    posted = post(csrf_client, {"q": "coal safety", "office": "shanxi", "limit": 3})
    assert posted.status_code == 200 and posted.json() == get.json()
    assert posted.json()["results"]


def test_2000_chinese_characters_are_routed_and_2001_are_refused(csrf_client):
    text = ("煤矿安全生产事故" * 250)[:2000]
    assert len(text) == 2000 and len(text.encode()) == 6000
    response = post(csrf_client, {"q": text, "office": "shanxi"})
    assert response.status_code == 200
    assert response.json()["query"] == text and set(response.json()) >= {"results", "confident", "transfer"}
    response = post(csrf_client, {"q": text + "煤", "office": "shanxi"})
    assert response.status_code == 400
    assert "at most 2000 characters" in response.json()["error"]


@pytest.mark.parametrize(("body", "message"), [
    ("{not json", "must be a JSON object"),
    ("", "must be a JSON object"),
    (b"\xff\xfe", "must be a JSON object"),
    ('["coal safety"]', "must be a JSON object"),
    ("[" * 100_000, "must be a JSON object"),
    ({"query": "coal"}, "Unknown field 'query'"),
    ({}, "Type the matter"),
    ({"q": 42}, "q must be a string"),
    ({"q": ""}, "Type the matter"),
    ({"q": "coal", "office": 7}, "office must be"),
    ({"q": "coal", "office": "atlantis"}, "Unknown office atlantis"),
    ({"q": "coal", "limit": "5"}, "limit must be a whole number"),
    ({"q": "coal", "limit": True}, "limit must be a whole number"),
    ({"q": "coal", "limit": 2.5}, "limit must be a whole number"),
    ({"q": "coal", "limit": 51}, "limit"),
    ({"q": "coal", "limit": 0}, "limit"),
    ({"q": "coal", "limit": 10**400}, "limit"),
])
def test_a_bad_post_is_a_json_400(csrf_client, body, message):
    response = post(csrf_client, body)
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert message in response.json()["error"]


def test_null_office_and_limit_mean_all_offices_and_the_default_limit(csrf_client):
    response = post(csrf_client, {"q": "tourism", "office": None, "limit": None})
    assert response.status_code == 200
    assert response.json() == csrf_client.get("/api/route", {"q": "tourism"}).json()
    assert response.json()["office"] is None


def test_the_route_page_posts_long_matters_and_still_answers_links(csrf_client):
    text = "关于煤矿安全生产的群众来信，" * 100  # 1,400 characters: too long for a GET behind gunicorn
    page = csrf_client.post("/route/", {"q": text, "office": "shanxi"})
    assert page.status_code == 200
    assert "units found" in page.content.decode() or "unit found" in page.content.decode()
    assert 'method="post"' in csrf_client.get("/route/").content.decode()
    assert csrf_client.get("/route/", {"q": "coal safety", "office": "shanxi"}).status_code == 200
    too_long = csrf_client.post("/route/", {"q": "煤" * 2001})
    assert too_long.status_code == 400 and "at most 2000 characters" in too_long.content.decode()
