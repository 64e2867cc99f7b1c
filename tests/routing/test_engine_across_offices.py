"""Routing with no office looks only at the offices with evidence, and answers as scoring every office would."""
import copy

import pytest

from routing import engine, learning
from routing.engine import build_index
from tests.routing.test_engine import DATA, office, unit

COPIES = 30  # the two hand-made offices, copied: many offices with the same evidence, as at scale


def many_offices():
    data = {"subjects": DATA["subjects"], "offices": []}
    for number in range(COPIES):
        for source in DATA["offices"]:
            copied = copy.deepcopy(source)
            copied["slug"] = copied["name_en"] = f"{source['slug']}-{number}"
            data["offices"].append(copied)
    data["offices"].insert(17, office("lakeside", [
        unit("airship-section", duties=[("Mooring of zeppelins at the lakeside field.", "湖滨飞艇系留。")]),
    ]))
    return data


@pytest.fixture(scope="module")
def index():
    return build_index(many_offices())


@pytest.fixture(scope="module")
def model():
    starter = [("a tour group was cheated by the guide", "tourism"), ("scenic spot tickets are too dear", "tourism"),
               ("gas explosion in a coal mine", "coal-safety"), ("coal mine safety inspection", "coal-safety"),
               ("best noodles in town", None), ("what a lovely day", None)]
    return learning.train([], starter, {})


def every_office(index, text, limit):
    """The answer of scoring every office in turn: best unit of each, best first, then in source order."""
    query = engine._prepare(index, text[:engine.MAX_QUERY_CHARS])
    recognised = engine._match_subjects(index, query)
    results, transfer = [], None
    for slug in index.offices:
        office_results, office_transfer = engine._route_office(index, slug, query, recognised)
        if office_results:
            results.append(office_results[0])
        elif office_transfer and transfer is None:
            transfer = {**office_transfer, "office": slug}
    results.sort(key=lambda candidate: (-candidate.score, index.offices.index(candidate.office)))
    results = results[:limit]
    for candidate in results:
        candidate.reasons = engine._reasons(index, candidate.unit_data, query,
                                            engine._evidence(index, candidate, query, recognised))
    return [candidate.as_dict() for candidate in results], None if results else transfer


def every_office_learned(index, model, text, limit):
    """The learned layer's answer from scoring and explaining every office in turn."""
    read, prepared = learning.read(model, text), engine.prepare(index, text)
    results, transfer = [], None
    for slug in index.offices:
        office_results, office_transfer = learning._route_office(index, model, read, prepared, slug, limit)
        if office_results:
            results.append(office_results[0])
        elif office_transfer and transfer is None:
            transfer = {**office_transfer, "office": slug}
    results.sort(key=lambda candidate: (-candidate.score, index.offices.index(candidate.office)))
    results = results[:limit]
    return [candidate.as_dict() for candidate in results], None if results else transfer


def counting(monkeypatch, module, name):
    """Count the calls of `module.name` (one per office scored)."""
    calls = []
    original = getattr(module, name)

    def wrapper(*args, **kwargs):
        calls.append(args)
        return original(*args, **kwargs)

    monkeypatch.setattr(module, name, wrapper)
    return calls


def learned_offices_scored(monkeypatch):
    """The offices the learned layer scores one by one (from the arrays or, with records, in full)."""
    offices = []
    for name, office_argument in (("_score_office", 4), ("_office_scores", 2)):
        calls = counting(monkeypatch, learning, name)
        offices.append((calls, office_argument))

    class Scored:
        def __iter__(self):
            return iter([args[place] for calls, place in offices for args in calls])

        def clear(self):
            for calls, _ in offices:
                calls.clear()

    return Scored()


QUERIES = ["tourism", "coal safety", "prison inmates", "the car needs repair", "印章刻制",
           "relations between workers and peasants", "zeppelin mooring", "noodles", "documents on justice",
           "a tourist was hurt at a scenic spot near the coal mine"]


@pytest.mark.parametrize("text", QUERIES)
@pytest.mark.parametrize("limit", [1, 3, 5])
def test_the_answer_is_that_of_scoring_every_office(index, text, limit):
    result = engine.route(index, text, limit=limit)
    assert ([candidate.as_dict() for candidate in result.results], result.transfer) == every_office(index, text, limit)


@pytest.mark.parametrize("text", QUERIES)
@pytest.mark.parametrize("limit", [1, 5])
def test_the_learned_answer_is_that_of_scoring_every_office(index, model, text, limit):
    result = learning.route(index, model, text, limit=limit)
    expected = every_office_learned(index, model, text, limit)
    assert ([candidate.as_dict() for candidate in result.results], result.transfer) == expected


def test_a_matter_only_one_office_mentions_scores_only_that_office(index, model, monkeypatch):
    scored = counting(monkeypatch, engine, "_route_office")
    result = engine.route(index, "zeppelin mooring")
    assert [candidate.office for candidate in result.results] == ["lakeside"]
    assert [args[1] for args in scored] == ["lakeside"]

    # The learned layer adds the offices holding a subject it reads in the matter, and only those.
    unsure = learning.train([], [("best noodles in town", None), ("what a lovely day", None)], {})
    scored = learned_offices_scored(monkeypatch)
    result = learning.route(index, unsure, "zeppelin mooring")
    assert [candidate.office for candidate in result.results] == ["lakeside"]
    assert list(scored) == ["lakeside"]

    scored.clear()
    learning.route(index, model, "zeppelin mooring")
    read = learning.read(model, "zeppelin mooring")
    holding = {office for slug, p in read.subjects.items() if p >= 0.01 and slug in index.subjects
               for office, held in index.office_subjects.items() if slug in held}
    assert set(scored) <= holding | {"lakeside"}


def test_a_matter_no_office_mentions_scores_no_office(index, model, monkeypatch):
    scored = learned_offices_scored(monkeypatch)
    result = learning.route(index, model, "best noodles in town")
    assert result.results == [] and list(scored) == []


@pytest.mark.parametrize("limit", [1, 3, 5])
def test_offices_answering_equally_well_are_scored_only_as_far_as_the_answer_goes(index, model, monkeypatch, limit):
    # Every copy of the two offices holds tourism equally; the earliest in source order are the answer.
    scored = counting(monkeypatch, engine, "_route_office")
    result = engine.route(index, "tourism", limit=limit)
    assert len(result.results) == limit and len(scored) == limit

    scored = learned_offices_scored(monkeypatch)
    result = learning.route(index, model, "tourism", limit=limit)
    assert len(result.results) == limit and len(list(scored)) == limit


def test_only_the_offices_in_the_answer_are_explained(index, model, monkeypatch):
    explained = counting(monkeypatch, learning, "_explain_office")
    result = learning.route(index, model, "tourism", limit=3)
    assert len(result.results) == 3 and len(explained) == 3
