"""route, route --jsonl and route_eval."""
import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

pytestmark = pytest.mark.django_db


def run(*args, stdin=None, monkeypatch=None):
    out = io.StringIO()
    if stdin is not None:
        monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    call_command(*args, stdout=out)
    return out.getvalue()


def test_route_json_prints_the_api_object():
    data = json.loads(run("route", "tourism", "--office", "shanxi", "--json"))
    assert set(data) == {"query", "office", "results", "confident", "transfer"}
    assert data["results"][0]["unit"] == "secretariat-3"


def test_route_prints_a_readable_table():
    out = run("route", "煤矿安全", "--office", "shanxi")
    assert "secretariat-4" in out and "秘书四处" in out


def test_route_says_when_no_unit_fits():
    assert "No unit found" in run("route", "how do I bake sourdough bread", "--office", "shanxi")


@pytest.mark.parametrize(
    ("args", "message"),
    [(("route",), "Give the matter"), (("route", "tourism", "--office", "atlantis"), "office"),
     (("route", ""), "Type the matter"), (("route", "tourism", "--limit", "0"), "limit")],
)
def test_route_bad_input_is_a_command_error(args, message):
    with pytest.raises(CommandError, match=message):
        run(*args)


def test_route_jsonl_echoes_ids_and_survives_a_bad_line(monkeypatch):
    lines = "\n".join([
        json.dumps({"id": "a", "query": "tourism", "office": "shanxi"}),
        "{not json",
        json.dumps({"id": "b", "query": "", "office": "shanxi"}),
        json.dumps({"id": "c", "query": "tourism", "office": "atlantis"}),
        json.dumps(["a list"]),
        json.dumps({"id": "d", "query": "监狱", "office": "shanxi"}),
    ])
    out = [json.loads(line) for line in run("route", "--jsonl", stdin=lines, monkeypatch=monkeypatch).splitlines()]
    assert [item.get("id") for item in out] == ["a", None, "b", "c", None, "d"]
    assert out[0]["results"][0]["unit"] == "secretariat-3"
    assert all("error" in item for item in out[1:5])
    assert out[5]["results"][0]["unit"] == "secretariat-3"


@pytest.mark.parametrize(("fresh_for", "reads"), [(60.0, 1), (-1.0, 3)])
def test_route_jsonl_reads_the_data_version_once_a_second(monkeypatch, fresh_for, reads):
    from routing import services
    from routing.management.commands import route

    calls = []

    def snapshot(**kwargs):
        calls.append(kwargs)
        return services.routing_snapshot(**kwargs)

    monkeypatch.setattr(route, "routing_snapshot", snapshot)
    monkeypatch.setattr(route, "FRESH_FOR", fresh_for)
    lines = "\n".join(json.dumps({"id": n, "query": "tourism", "office": "shanxi"}) for n in range(3))
    out = [json.loads(line) for line in run("route", "--jsonl", stdin=lines, monkeypatch=monkeypatch).splitlines()]
    assert [item["results"][0]["unit"] for item in out] == ["secretariat-3"] * 3
    assert len(calls) == reads


def test_route_eval_reports_accuracy_by_kind_lang_and_office(tmp_path):
    cases = tmp_path / "cases.jsonl"
    cases.write_text("\n".join(json.dumps(case) for case in [
        {"id": "1", "office": "shanxi", "query": "tourism", "lang": "en", "kind": "portfolio",
         "expect": ["secretariat-3"]},
        {"id": "2", "office": "shanxi", "query": "tourism", "lang": "en", "kind": "portfolio",
         "expect": ["personnel-division"]},
        {"id": "3", "office": "jilin", "query": "how do I bake sourdough bread", "lang": "en",
         "kind": "out-of-scope", "expect": []},
    ]), encoding="utf-8")
    out = run("route_eval", str(cases))
    assert "overall  2/3" in out
    assert "portfolio" in out and "out-of-scope" in out and "jilin" in out
    assert "2 " in out and "got secretariat-3" in out
    report = json.loads(run("route_eval", str(cases), "--json"))
    assert report["by_kind"]["portfolio"] == {"correct": 1, "total": 2, "accuracy": 0.5}


def test_route_eval_bad_file_is_a_command_error(tmp_path):
    with pytest.raises(CommandError, match="cannot be read"):
        run("route_eval", str(tmp_path / "missing.jsonl"))
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "1"}\n', encoding="utf-8")
    with pytest.raises(CommandError, match="line 1"):
        run("route_eval", str(bad))
