"""The routing case file, run case by case, with guards on the file itself and the bars the router must meet."""
from pathlib import Path

import pytest
from django.conf import settings

from routing.evaluation import CaseFileError, evaluate, judge, read_cases
from routing.services import route_matter

CASES_PATH = Path(__file__).resolve().parent.parent / "data" / "routing_cases.jsonl"
SHARED_CASES = Path(settings.BASE_DIR).parent / "shared" / "eval" / "dev.jsonl"
CASES = read_cases(CASES_PATH.read_text(encoding="utf-8").splitlines())

# Cases the router still gets wrong, each with the reason; strict, so a fix must remove it here.
KNOWN_MISSES = {}


def route(query, office):
    return route_matter(text=query, office=office).as_dict()


def test_vendored_cases_match_the_shared_file():
    if not SHARED_CASES.exists():
        pytest.skip("the shared case file is not beside this checkout")
    assert CASES_PATH.read_text(encoding="utf-8") == SHARED_CASES.read_text(encoding="utf-8")


def test_case_ids_are_unique_and_none_is_skipped():
    ids = [case["id"] for case in CASES]
    assert len(ids) == len(set(ids)) == len(CASES_PATH.read_text(encoding="utf-8").strip().splitlines())
    assert set(KNOWN_MISSES) <= set(ids)


def test_a_duplicate_id_is_rejected():
    line = CASES_PATH.read_text(encoding="utf-8").splitlines()[0]
    with pytest.raises(CaseFileError, match="duplicate"):
        read_cases([line, line])


@pytest.mark.django_db
@pytest.mark.parametrize(
    "case",
    [
        pytest.param(case, id=case["id"], marks=pytest.mark.xfail(reason=KNOWN_MISSES[case["id"]], strict=True))
        if case["id"] in KNOWN_MISSES
        else pytest.param(case, id=case["id"])
        for case in CASES
    ],
)
def test_case(case):
    result = route(case["query"], case["office"])
    ok, first = judge(case, result)
    assert ok, f"{case['query']!r}: expected {case['expect'] or 'no unit'}, got {first}"
    if case["kind"] == "transfer":
        assert result["transfer"] is not None
        if case.get("transfer_to"):
            assert result["transfer"]["to"] == case["transfer_to"]


@pytest.mark.django_db
def test_the_router_meets_its_bars():
    report = evaluate(CASES, route)
    assert report["accuracy"] >= 0.95
    for kind, counts in report["by_kind"].items():
        assert counts["accuracy"] >= 0.85, kind
    assert report["by_kind"]["out-of-scope"]["accuracy"] == 1.0
