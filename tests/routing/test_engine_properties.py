"""Properties of the routing engine that hold for every input (hypothesis), on the real data, without a database.

route() never raises, is deterministic, keeps results inside the office asked for, scores in
[0, 1] in descending order, never returns more than asked, and never answers both "this unit"
and "this function moved out".
"""
import functools
import re

import pytest
from django.conf import settings
from hypothesis import HealthCheck, example, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from orgunits.interchange import read_fixture_dir, validate_org_data
from routing.engine import MAX_QUERY_CHARS, build_index, route

PROPERTY_SETTINGS = hypothesis_settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True
)


@functools.cache
def data():
    return validate_org_data(read_fixture_dir(settings.ORG_FIXTURES_DIR))


@functools.cache
def index():
    return build_index(data())


@functools.cache
def second_index():
    return build_index(validate_org_data(read_fixture_dir(settings.ORG_FIXTURES_DIR)))


@functools.cache
def vocabulary():
    """Words and phrases the data uses, so that generated matters often hit something."""
    words = set()
    for subject in data()["subjects"]:
        words.update([subject["name_en"], subject["name_zh"], *subject["aliases"]])
    for office in data()["offices"]:
        for unit in office["units"]:
            words.update([unit["name_en"], unit["name_zh"]])
            for duty in unit["duties"]:
                words.update(re.findall(r"[A-Za-z]{4,}", duty["text_en"]))
                words.update(part for part in re.split(r"[，、。；（）]", duty["text_zh"]) if 2 <= len(part) <= 8)
    return sorted(word for word in words if word)


OFFICES = [office["slug"] for office in data()["offices"]]
# Any text at all, lone surrogates included (JSON lines can carry them).
any_text = st.text(alphabet=st.characters(blacklist_categories=()), max_size=300)
data_text = st.lists(st.sampled_from(vocabulary()), min_size=1, max_size=6).flatmap(
    lambda words: st.sampled_from([" ", "、", "，", " and ", "的"]).map(lambda sep: sep.join(words))
)
matters = st.one_of(any_text, data_text, st.tuples(data_text, any_text).map("".join))
offices = st.one_of(st.none(), st.sampled_from(OFFICES))
limits = st.integers(min_value=1, max_value=50)


def check(result, office, limit):
    assert len(result.results) <= limit
    if office is not None:
        assert all(candidate.office == office for candidate in result.results)
    else:
        seen = [candidate.office for candidate in result.results]
        assert len(seen) == len(set(seen)) and set(seen) <= set(OFFICES)
    scores = [candidate.score for candidate in result.results]
    assert all(0.0 <= score <= 1.0 for score in scores)
    assert scores == sorted(scores, reverse=True)
    assert not (result.results and result.transfer)
    if result.transfer:
        assert 0.0 <= result.transfer["score"] <= 1.0
    if result.confident and result.results:
        assert result.results[0].score > 0


@PROPERTY_SETTINGS
@given(text=matters, office=offices, limit=limits)
@example(text="", office=None, limit=5)
@example(text="\x00" * 10, office="shanxi", limit=1)
@example(text="\ud800旅游", office=None, limit=5)
@example(text="tourism " * 1000, office="jilin", limit=50)
def test_route_never_raises_and_keeps_its_promises(text, office, limit):
    check(route(index(), text, office=office, limit=limit), office, limit)


@PROPERTY_SETTINGS
@given(text=matters, office=offices, limit=limits)
def test_route_is_deterministic(text, office, limit):
    first = route(index(), text, office=office, limit=limit).as_dict()
    assert route(index(), text, office=office, limit=limit).as_dict() == first
    # ...and does not depend on which build of the index (another process's) answers.
    assert route(second_index(), text, office=office, limit=limit).as_dict() == first


@PROPERTY_SETTINGS
@given(text=data_text, padding=any_text)
def test_only_the_first_max_query_chars_count(text, padding):
    long = (text + " " + padding) * (MAX_QUERY_CHARS // max(1, len(text) + 1) + 2)
    assert route(index(), long).as_dict()["results"] == route(index(), long[:MAX_QUERY_CHARS]).as_dict()["results"]


@PROPERTY_SETTINGS
@given(text=data_text)
def test_an_office_answer_is_that_offices_own_best(text):
    """The all-offices answer lists, for each office, the same top unit as asking that office alone."""
    overall = {candidate.office: candidate for candidate in route(index(), text, limit=50).results}
    for office, candidate in overall.items():
        alone = route(index(), text, office=office, limit=1).results
        assert alone and alone[0].unit == candidate.unit and alone[0].score == pytest.approx(candidate.score)


def test_the_vocabulary_reaches_real_answers():
    """Guards the strategies: generated matters do find units, not only abstentions."""
    answered = sum(bool(route(index(), word).results) for word in vocabulary()[:200])
    assert answered > 50
