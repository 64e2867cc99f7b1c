"""The routing engine on small hand-made data: pure Python, no database."""
import pytest

from routing.engine import build_index, route


def unit(slug, parent="general-office", duties=(), subjects=(), name_en=None, name_zh=None):
    return {
        "slug": slug,
        "parent": parent,
        "kind": "division",
        "name_en": name_en or slug.replace("-", " ").title(),
        "name_zh": name_zh or "处",
        "source_label": slug,
        "duties": [{"text_en": en, "text_zh": zh} for en, zh in duties],
        "subjects": [{"slug": s, "scope_en": scope, "scope_zh": "", "quote": quote} for s, scope, quote in subjects],
    }


def subject(slug, name_en, name_zh, aliases=(), parent=None):
    return {"slug": slug, "name_en": name_en, "name_zh": name_zh, "aliases": list(aliases), "parent": parent}


SUBJECTS = [
    subject("tourism", "Tourism", "旅游", ["tourist", "travel agency", "scenic spot", "旅游业"]),
    subject("justice", "Justice", "司法", ["judicial administration", "司法行政"]),
    subject("prisons", "Prisons", "监狱", ["prison", "jail", "inmate", "服刑"], parent="justice"),
    subject("coal", "Coal", "煤炭", ["coal industry", "煤矿"]),
    subject("coal-safety", "Coal safety", "煤矿安全", ["coal mine safety", "煤矿安全监察"], parent="coal"),
    subject("environmental-protection", "Environmental protection", "环境保护",
            ["pollution", "waste water", "dumping", "环保", "污染"]),
    subject("seals", "Seals", "印章", ["official seal", "seal engraving", "刻章", "公章"]),
    subject("disputes", "Worker-peasant disputes", "工农纠纷", ["workers and peasants", "工农关系"]),
    subject("weddings", "Marriage registration", "婚姻登记", ["marriage registration", "结婚登记"]),
]


def office(slug, units, transfers=()):
    root = unit("general-office", parent=None, name_en=f"{slug} General Office", name_zh="办公厅",
                duties=[("Assist the leadership with daily work.", "协助领导处理日常工作。")])
    return {"slug": slug, "name_en": slug, "name_zh": slug, "units": [root, *units], "transfers": list(transfers)}


DATA = {
    "subjects": SUBJECTS,
    "offices": [
        office("east", [
            unit("secretariat-3", subjects=[("tourism", "", "tourism"), ("justice", "including prisons",
                                                                          "justice (including prisons)"),
                                            ("prisons", "", "prisons")],
                 duties=[("Handling documents on tourism and justice (including prisons).",
                          "办理旅游、司法（含监狱）方面的文电。")]),
            unit("secretariat-4", subjects=[("coal", "coal safety supervision", "coal (coal safety supervision)"),
                                            ("coal-safety", "", "coal safety supervision"),
                                            ("environmental-protection", "", "environmental protection")],
                 duties=[("Deal with coal and environmental protection.", "办理煤炭、环境保护方面的文电。")]),
            unit("coordination-office", subjects=[("seals", "", "seal engraving")],
                 duties=[("Undertake the seal engraving work of city governments.", "承办市县政府印章刻制工作。")]),
            unit("vehicle-section", duties=[("Responsible for vehicle scheduling, repair and maintenance.",
                                             "负责车辆调度、维修和保养。")]),
        ], transfers=[{"direction": "out", "text_en": "Coordinating relations between workers and peasants",
                       "text_zh": "协调处理工农关系", "body_en": "Municipal Bureau of Letters and Calls",
                       "body_zh": "市信访局", "quote": "…", "subjects": ["disputes"]}]),
        office("west", [
            unit("justice-section", subjects=[("justice", "", "justice")],
                 duties=[("Handling messages on justice and public security.", "办理司法、公安方面的文电。")]),
            unit("tourism-a", subjects=[("tourism", "", "tourism")]),
            unit("tourism-b", subjects=[("tourism", "", "tourism")]),
        ]),
    ],
}


@pytest.fixture(scope="module")
def index():
    return build_index(DATA)


def top(index, text, office="east"):
    result = route(index, text, office)
    return result.results[0].unit if result.results else None


def test_a_portfolio_subject_routes_to_its_holder(index):
    assert top(index, "tourism") == "secretariat-3"


def test_the_more_specific_subject_phrase_wins_and_is_quoted(index):
    result = route(index, "coal safety", "east")
    first = result.results[0]
    assert first.unit == "secretariat-4"
    assert first.reasons[0].kind == "subject" and first.reasons[0].subject == "coal-safety"
    assert "safety" in first.reasons[0].matched


@pytest.mark.parametrize("text", ["prisons", "PRISON", "a letter about conditions in a prison", "Prison, conditions?",
                                  "ｐｒｉｓｏｎ", "监狱", "有人反映监狱里的条件"])
def test_word_forms_case_width_punctuation_and_language(index, text):
    assert top(index, text) == "secretariat-3"


def test_common_typos_are_forgiven(index):
    assert top(index, "turism") == "secretariat-3"


def test_chinese_query_against_english_text(index):
    assert top(index, "旅游") == "secretariat-3"
    assert top(index, "印章刻制") == "coordination-office"


def test_a_child_subject_falls_back_to_the_unit_holding_its_parent(index):
    result = route(index, "prison inmates", "west")
    assert result.results[0].unit == "justice-section"


def test_duty_text_routes_when_no_subject_names_the_matter(index):
    assert top(index, "the car needs repair") == "vehicle-section"


def test_unrelated_matters_name_no_unit(index):
    for text in ["recommend a good noodle shop", "how do I bake sourdough bread", "吃什么好"]:
        result = route(index, text, "east")
        assert result.results == [], text


def test_a_subject_no_unit_holds_is_not_guessed(index):
    result = route(index, "marriage registration", "east")
    assert result.results == []
    assert route(index, "coal safety", "west").results == []


def test_a_transferred_function_reports_the_transfer(index):
    result = route(index, "who coordinates disputes between workers and peasants?", "east")
    assert result.results == []
    assert result.transfer["to"] == "Municipal Bureau of Letters and Calls"


def test_ties_are_reported_with_both_units(index):
    result = route(index, "tourism", "west")
    assert {c.unit for c in result.results[:2]} == {"tourism-a", "tourism-b"}
    assert result.results[0].tie and result.results[1].tie
    assert result.results[0].unit == "tourism-a"  # equal scores keep the source order


def test_all_offices_gives_the_best_unit_of_each_office_best_first(index):
    result = route(index, "tourism", None)
    assert [c.office for c in result.results] == ["east", "west"] or [c.office for c in result.results] == [
        "west", "east"]
    assert len({c.office for c in result.results}) == len(result.results) == 2
    scores = [c.score for c in result.results]
    assert scores == sorted(scores, reverse=True)


def test_results_are_deterministic_and_serialisable(index):
    first = route(index, "coal and pollution", "east").as_dict()
    assert first == route(index, "coal and pollution", "east").as_dict()
    assert set(first) == {"query", "office", "results", "confident", "transfer"}
    assert set(first["results"][0]) >= {"office", "unit", "name_en", "name_zh", "score", "reasons"}


def test_confidence_is_reported(index):
    assert route(index, "coal mine safety", "east").confident
    assert route(index, "tourism", "west").results  # a tie between two units is still an answer
