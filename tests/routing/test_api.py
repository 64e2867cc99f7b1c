"""GET /api/route, the /route/ page and /healthz."""
import pytest

pytestmark = pytest.mark.django_db


def test_api_routes_a_matter_within_an_office(client):
    response = client.get("/api/route", {"q": "coal safety", "office": "shanxi"})
    assert response.status_code == 200
    data = response.json()
    assert set(data) == {"query", "office", "results", "confident", "transfer"}
    assert data["query"] == "coal safety" and data["office"] == "shanxi"
    first = data["results"][0]
    assert first["unit"] == "secretariat-4" and first["office"] == "shanxi"
    assert first["name_zh"] == "秘书四处"
    assert first["reasons"] and "coal" in " ".join(first["reasons"][0]["matched"]).lower()
    assert data["transfer"] is None


def test_api_without_office_gives_one_unit_per_office_best_first(client):
    data = client.get("/api/route", {"q": "旅游"}).json()
    offices = [item["office"] for item in data["results"]]
    assert len(offices) == len(set(offices)) >= 2
    scores = [item["score"] for item in data["results"]]
    assert scores == sorted(scores, reverse=True)


def test_api_limit(client):
    data = client.get("/api/route", {"q": "meetings", "office": "shanxi", "limit": 1}).json()
    assert len(data["results"]) <= 1


def test_api_reports_a_transfer(client):
    data = client.get("/api/route", {"q": "major disputes between workers and peasants", "office": "hengyang"}).json()
    assert data["results"] == []
    assert data["transfer"]["to"] == "Municipal Bureau of Letters and Calls"


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({}, "q"),
        ({"q": ""}, "q"),
        ({"q": "   "}, "q"),
        ({"q": "x" * 2001}, "too long"),
        ({"q": "tourism", "office": "atlantis"}, "office"),
        ({"q": "tourism", "limit": "ten"}, "limit"),
        ({"q": "tourism", "limit": "0"}, "limit"),
        ({"q": "tourism", "limit": "-3"}, "limit"),
        ({"q": "tourism", "limit": "99999999999999999999"}, "limit"),
        ({"q": "!!!"}, "q"),
        ({"q": "tour\x00ism"}, "q"),
    ],
)
def test_api_bad_input_is_a_400_with_an_error(client, params, message):
    response = client.get("/api/route", params)
    assert response.status_code == 400
    assert message in response.json()["error"]


def test_api_accepts_exactly_2000_characters(client):
    assert client.get("/api/route", {"q": "tourism " * 250}).status_code == 200


def test_api_answers_get_and_post_only(client):
    for method in ("put", "delete", "patch"):
        assert getattr(client, method)("/api/route", {"q": "tourism"}).status_code == 405


def test_route_page_shows_results_reasons_and_links(client):
    response = client.get("/route/", {"q": "prisons", "office": "shanxi"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "/offices/shanxi/secretariat-3/" in html
    assert "<mark>" in html
    assert 'value="shanxi" selected' in html


def test_route_page_says_no_unit_found(client):
    html = client.get("/route/", {"q": "how do I bake sourdough bread", "office": "shanxi"}).content.decode()
    assert "No unit found" in html


def test_route_page_shows_a_transfer_notice(client):
    html = client.get("/route/", {"q": "foreign experts", "office": "hengyang"}).content.decode()
    assert "Personnel Bureau" in html


def test_route_page_escapes_the_query(client):
    html = client.get("/route/", {"q": "<script>alert(1)</script> tourism"}).content.decode()
    assert "<script>alert(1)</script>" not in html


def test_route_page_bad_input_is_a_form_error(client):
    response = client.get("/route/", {"q": "", "office": "atlantis"})
    assert response.status_code == 400
    assert "Type the matter to route" in response.content.decode()


def test_route_page_empty_form(client):
    response = client.get("/route/")
    assert response.status_code == 200
    assert 'name="q"' in response.content.decode()


def results_part(html):
    return html[html.index('id="results-heading"') :]


def test_route_page_in_chinese_shows_chinese_names_and_quotes_first(client):
    client.cookies["django_language"] = "zh-hans"
    html = client.get("/route/", {"q": "prisons", "office": "shanxi"}).content.decode()
    assert '<html lang="zh-Hans">' in html
    assert '<option value="shanxi" selected>山西省人民政府办公厅</option>' in html
    results = results_part(html)
    assert results.index("秘书三处") < results.index("Secretariat Division 3")
    assert results.index("监狱") < results.index("Prisons")
    assert results.index("承办公安") < results.index("Handling public security")
    # An English matter still marks the Chinese wording, through the subject it matched.
    assert "<mark>监狱</mark>" in results and "<mark>prisons</mark>" in results
    assert 'href="/subjects/prisons/"' in results


def test_route_page_in_english_shows_english_first_with_kinds_of_evidence(client):
    html = results_part(client.get("/route/", {"q": "prisons", "office": "shanxi"}).content.decode())
    assert html.index("Secretariat Division 3") < html.index("秘书三处")
    assert "Assigned subject" in html and "Duty" in html and "Confident match." in html


def test_route_page_marks_ties(client, settings):
    settings.ROUTING_LEARNING = False  # the document engine alone ties the units that hold "meetings"
    data = client.get("/api/route", {"q": "meetings", "office": "shanxi"}).json()
    tied = sum(item["tie"] for item in data["results"])
    assert tied >= 2
    html = client.get("/route/", {"q": "meetings", "office": "shanxi"}).content.decode()
    assert html.count('<strong class="tag tag--tie">Tie</strong>') == tied
    assert html.count('class="route-result route-result--tie"') == tied
    assert "Units marked as a tie match the matter equally well." in html


def test_route_page_transfer_panel_in_chinese(client):
    client.cookies["django_language"] = "zh-hans"
    html = client.get("/route/", {"q": "foreign experts", "office": "hengyang"}).content.decode()
    assert "该职能已划转至市人事局" in html
    assert "未找到机构" not in html


def test_route_page_no_unit_found_offers_all_offices(client):
    html = client.get("/route/", {"q": "how do I bake sourdough bread", "office": "shanxi"}).content.decode()
    assert 'class="panel panel--none"' in html
    assert 'href="/route/?q=how%20do%20I%20bake%20sourdough%20bread"' in html


def test_route_page_form_errors_have_a_summary_linked_to_the_fields(client):
    response = client.get("/route/", {"q": "", "office": "atlantis", "limit": "ten"})
    html = response.content.decode()
    assert response.status_code == 400
    assert "<title>Error:" in html
    assert 'class="error-summary"' in html
    for field in ("id_q", "id_office", "id_limit"):
        assert f'href="#{field}"' in html and f'id="{field}"' in html
    assert html.count('aria-invalid="true"') == 3
    assert 'value="ten"' in html


def test_highlight_marks_whole_words_and_escapes():
    from routing.templatetags.routing_tags import highlight

    assert highlight("<b>meetings</b> in the department", ["meet", "art"]) == (
        "&lt;b&gt;<mark>meetings</mark>&lt;/b&gt; in the department"
    )
    assert highlight("司法（含监狱）", ["监狱"]) == "司法（含<mark>监狱</mark>）"


def test_healthz_does_not_touch_the_database(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/healthz")
    assert response.status_code == 200 and response.content == b"ok"
