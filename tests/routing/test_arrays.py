"""The arrays over all offices give every unit the score the per-office code gives it, to the last bit."""
import pickle

import numpy as np
import pytest

from routing import arrays, engine, learning
from tests.routing.test_engine import office as make_office
from tests.routing.test_engine import unit
from tests.routing.test_engine_across_offices import QUERIES, many_offices


@pytest.fixture(scope="module")
def index():
    data = many_offices()
    data["offices"].append(make_office("studies", [  # a research unit yields to the unit handling the subject
        unit("research-office", name_en="Research Office", name_zh="研究室", subjects=[("tourism", "", "tourism")]),
        unit("tourism-desk", subjects=[("tourism", "", "tourism"), ("prisons", "", "prisons")]),
    ]))
    return engine.build_index(data)


@pytest.fixture(scope="module")
def model():
    starter = [("a tour group was cheated by the guide", "tourism"), ("prison visits for families", "prisons"),
               ("gas explosion in a coal mine", "coal-safety"), ("coal mine safety inspection", "coal-safety"),
               ("the research institute studies tourism", "tourism"), ("what a lovely day", None)]
    return learning.train([], starter, {})


def per_office(index, values_of_office):
    """One value per unit, all offices in order, from {unit position: value} per office."""
    values = np.zeros(index.arrays.unit_count)
    for place, office in enumerate(index.offices):
        for position, value in values_of_office(office).items():
            values[index.arrays.office_start[place] + position] = value
    return values


@pytest.mark.parametrize("text", [*QUERIES, "", "。。。", "coal coal coal safety prison tourism 旅游 煤矿"])
def test_document_scores_are_the_engines(index, text):
    prepared = engine.prepare(index, text)

    def scores(office):  # unit by unit, in plain Python
        return {position: engine._score_unit(index, unit, prepared.query, prepared.recognised,
                                             engine._unit_duty_evidence(index, unit, prepared.query))[0]
                for position, unit in enumerate(index.units[office])}

    document, has_subject = arrays.document_scores(index, index.arrays, prepared.query, prepared.recognised)
    assert np.array_equal(document, per_office(index, scores))
    assert not has_subject[document == 0].any()
    for place in range(len(index.offices)):  # one office alone, as routing within an office scores it
        alone, _ = arrays.document_scores(index, index.arrays, prepared.query, prepared.recognised, place)
        assert np.array_equal(alone, index.arrays.office_slice(document, place))


@pytest.mark.parametrize("text", QUERIES)
def test_subject_scores_are_the_learned_layers(index, model, text):
    read = learning.read(model, text)

    def scores(office):
        return {position: score for position, (score, _, _) in
                learning.subject_unit_scores(index, office, read.subjects).items()}

    assert np.array_equal(arrays.subject_scores(index.arrays, read.subjects), per_office(index, scores))
    lookups = learning.subject_lookups(index, read.subjects)
    for office in index.offices:  # and one unit at a time, as an explanation reads it
        for position, expected in learning.subject_unit_scores(index, office, read.subjects).items():
            assert learning.unit_subject(index, office, position, lookups) == expected


def test_each_office_best_and_empty_offices(index):
    table = index.arrays
    values = np.arange(table.unit_count, dtype=np.float64)
    best = table.office_maximum(values)
    assert best.tolist() == [float(table.office_start[place + 1] - 1) for place in range(len(index.offices))]

    with_empty = engine.build_index({"subjects": [], "offices": [
        {"slug": "a", "units": [{"slug": "r", "parent": None, "name_en": "A", "name_zh": "甲", "duties": [],
                                 "subjects": []}]},
        {"slug": "b", "units": []},
    ]})
    assert with_empty.arrays.office_maximum(np.array([0.5])).tolist() == [0.5, 0.0]


@pytest.mark.parametrize("text", [*QUERIES, "who coordinates disputes between workers and peasants", "工农关系", ""])
def test_transfer_scores_are_the_engines(index, text):
    prepared = engine.prepare(index, text)
    expected = [max((engine._score_transfer(transfer, prepared.query, prepared.recognised)
                     for transfer in index.transfers[office]), default=0.0) for office in index.offices]
    found = arrays.transfer_scores(index.arrays, prepared.query, prepared.recognised)
    assert found.tolist() == expected
    if "工农" in text or "peasants" in text:  # the office that handed this function over says so
        assert max(expected) >= engine.ABSTAIN_BELOW


def test_only_the_offices_routed_in_last_keep_their_own_posting_lists(monkeypatch):
    index = engine.build_index(many_offices())
    monkeypatch.setattr(arrays, "OFFICES_KEPT", 3)
    answers = [engine.route(index, "coal safety", office).as_dict() for office in index.offices[:6]]
    assert list(index.arrays._kept) == [3, 4, 5]
    # Built again when asked for after being dropped, to the same answer.
    assert engine.route(index, "coal safety", index.offices[0]).as_dict() == answers[0]
    assert list(index.arrays._kept) == [4, 5, 0]
    copy = pickle.loads(pickle.dumps(index))  # stored without them
    assert not copy.arrays._kept and engine.route(copy, "coal safety", index.offices[1]).as_dict() == answers[1]


def test_a_build_reusing_parts_is_the_full_build(index):
    data = many_offices()
    _, parts = engine.build(data)
    data["offices"][4]["units"][1]["duties"].append({"text_en": "Beekeeping matters.", "text_zh": "养蜂事务。"})
    data["subjects"] = [dict(subject, parent=None) if subject["slug"] == "prisons" else subject
                        for subject in data["subjects"]]  # a taxonomy change reaches every office's factors
    partial, _ = engine.build(data, reuse=parts)
    full = engine.build_index(data)
    assert partial.offices_read == 1 and full.offices_read == len(data["offices"])
    assert partial.idf == full.idf
    assert (partial.arrays.subject_factors != full.arrays.subject_factors).nnz == 0
    for text in [*QUERIES, "beekeeping", "养蜂"]:
        assert engine.route(partial, text).as_dict() == engine.route(full, text).as_dict()
        prepared = engine.prepare(full, text)
        assert np.array_equal(arrays.document_scores(partial, partial.arrays, prepared.query, prepared.recognised)[0],
                              arrays.document_scores(full, full.arrays, prepared.query, prepared.recognised)[0])
