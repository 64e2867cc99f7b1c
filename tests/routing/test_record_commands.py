"""import_records and export_records: all or nothing, errors by line, idempotent, and a faithful round trip."""
import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from routing import services
from routing.models import RoutingRecord

pytestmark = pytest.mark.django_db

GOOD = [
    {"id": "a1", "office": "shanxi", "text": "煤矿透水事故谁来管", "unit": "secretariat-3", "subject": "coal-safety",
     "date": "2026-03-02T08:30:00+08:00"},
    {"id": "a2", "office": "jilin", "text": "最便宜的机票", "unit": "", "date": "2026-03-03"},
    {"id": 3, "office": "hengyang", "text": "a letter about a prison", "unit": "general-office",
     "outcome": "corrected"},
]


def jsonl(rows):
    return "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows)


def run(*args):
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def import_text(tmp_path, text, name="records.jsonl"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return run("import_records", str(path))


@pytest.fixture(autouse=True)
def known_units():
    # The fixtures' slugs these tests rely on.
    from orgunits.models import Subject, Unit

    assert Unit.objects.filter(office__slug="shanxi", slug="secretariat-3").exists()
    assert Unit.objects.filter(office__slug="hengyang", slug="general-office").exists()
    assert Subject.objects.filter(slug="coal-safety").exists()


def test_a_file_is_imported_with_defaults_filled_in(tmp_path):
    assert "3 records: 3 created, 0 updated, 0 unchanged." in import_text(tmp_path, jsonl(GOOD))
    records = {record.external_id: record for record in RoutingRecord.objects.select_related("unit", "subject")}
    assert records["a1"].unit.slug == "secretariat-3" and records["a1"].subject.slug == "coal-safety"
    assert records["a1"].outcome == "confirmed" and records["a1"].source == "import"
    assert records["a1"].recorded_at.isoformat() == "2026-03-02T00:30:00+00:00"
    assert records["a2"].unit is None and records["a2"].outcome == "no_unit"
    assert records["3"].outcome == "corrected"
    assert all(record.history.count() == 1 for record in records.values())


def test_reimport_is_idempotent_and_counts_honestly(tmp_path, monkeypatch):
    bumps = []
    monkeypatch.setattr(services, "records_changed", lambda: bumps.append(1))
    import_text(tmp_path, jsonl(GOOD))
    assert bumps == [1]  # once for the whole file
    out = import_text(tmp_path, jsonl(GOOD))
    assert "3 records: 0 created, 0 updated, 3 unchanged." in out
    assert bumps == [1]  # nothing changed, nothing to relearn
    changed = [dict(GOOD[0], unit="", outcome="no_unit"), *GOOD[1:], {**GOOD[1], "id": "a4"}]
    out = import_text(tmp_path, jsonl(changed))
    assert "4 records: 1 created, 1 updated, 2 unchanged." in out
    assert bumps == [1, 1]
    assert RoutingRecord.objects.count() == 4
    updated = RoutingRecord.objects.get(external_id="a1")
    assert updated.unit is None and updated.outcome == "no_unit" and updated.history.count() == 2


def test_an_import_bumps_the_records_version_after_commit(tmp_path, django_capture_on_commit_callbacks):
    version = services.routing_records_version()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        import_text(tmp_path, jsonl(GOOD))
    assert len(callbacks) == 1
    assert services.routing_records_version() == version + 1


BAD_LINES = [
    ("{not json", "not valid JSON"),
    ('["a list"]', "expected a JSON object"),
    (json.dumps({"office": "shanxi", "text": "x"}), None),  # unit missing: no unit
    (json.dumps({"office": "atlantis", "text": "x", "unit": ""}), "unknown office 'atlantis'"),
    (json.dumps({"office": "shanxi", "text": "x", "unit": "nowhere"}), "unknown unit 'nowhere'"),
    (json.dumps({"office": "shanxi", "text": "x", "unit": "general-office-of-jilin"}), "unknown unit"),
    (json.dumps({"office": "shanxi", "text": "  ", "unit": ""}), "text is empty"),
    (json.dumps({"office": "shanxi", "text": "x" * 20_001, "unit": ""}), "longer than 20,000"),
    (json.dumps({"office": "shanxi", "text": "bad\u0000text", "unit": ""}), "U+0000"),
    (json.dumps({"office": "shanxi", "text": "x", "unit": "", "subject": "zorbing"}), "unknown subject"),
    (json.dumps({"office": "shanxi", "text": "x", "unit": "", "outcome": "maybe"}), "outcome must be one of"),
    (json.dumps({"office": "shanxi", "text": "x", "unit": "", "outcome": "confirmed"}), "needs a unit"),
    (json.dumps({"office": "shanxi", "text": "x", "unit": "secretariat-3", "outcome": "no_unit"}),
     "no_unit with a unit"),
    (json.dumps({"office": "shanxi", "text": "x", "unit": "", "date": "yesterday"}), "not an ISO 8601 date"),
    (json.dumps({"office": "shanxi", "text": "x", "unit": "", "date": "2026-02-30"}), "not an ISO 8601 date"),
    (json.dumps({"office": "shanxi", "text": ["x"], "unit": ""}), "text must be a string"),
    (json.dumps({"office": "shanxi", "text": "x", "unit": "", "id": "a1"}), "already used on line 1"),
    ("[" * 100_000, "not valid JSON"),
]


@pytest.mark.parametrize(("line", "problem"), [case for case in BAD_LINES if case[1]])
def test_a_bad_line_is_named_and_nothing_is_saved(tmp_path, line, problem):
    text = jsonl(GOOD[:2]) + "\n" + line + "\n" + jsonl(GOOD[2:])
    with pytest.raises(CommandError) as error:
        import_text(tmp_path, text)
    message = str(error.value)
    assert "line 4: " in message and problem in message
    assert "nothing was imported" in str(error.value)
    assert not RoutingRecord.objects.exists()


def test_csv_with_a_header_is_read_and_its_errors_named_by_line(tmp_path):
    csv_text = (
        "office,text,unit,date,id\n"
        'shanxi,"煤矿,透水\n第二行",secretariat-3,2026-01-01,c1\n'
        "jilin,随便问问,,2026-01-02,c2\n"
    )
    assert "2 created" in import_text(tmp_path, csv_text, name="log.csv")
    assert RoutingRecord.objects.get(external_id="c1").text == "煤矿,透水\n第二行"
    with pytest.raises(CommandError, match=r"line 5: unknown unit 'nowhere'"):
        import_text(tmp_path, csv_text.replace("c1", "c3").replace("c2", "c4") + "shanxi,x,nowhere,,c5\n", "x.csv")
    with pytest.raises(CommandError, match=r"line 1: the CSV header lacks unit"):
        import_text(tmp_path, "office,text\nshanxi,x\n", "y.csv")
    assert RoutingRecord.objects.count() == 2


def test_the_format_is_told_by_the_first_character_without_an_extension(tmp_path):
    assert "3 created" in import_text(tmp_path, jsonl(GOOD), name="records.txt")
    assert "1 created" in import_text(tmp_path, "office,text,unit\nshanxi,x,\n", name="more.txt")


def test_a_file_that_is_not_utf8_or_missing_is_a_clean_error(tmp_path):
    path = tmp_path / "latin1.jsonl"
    path.write_bytes(jsonl(GOOD[:1]).encode() + b'{"office": "shanxi", "text": "caf\xe9", "unit": ""}\n')
    with pytest.raises(CommandError, match="line 2: not UTF-8"):
        run("import_records", str(path))
    with pytest.raises(CommandError, match="cannot be read"):
        run("import_records", str(tmp_path / "missing.jsonl"))


@pytest.mark.parametrize("file_format", ["jsonl", "csv"])
def test_export_then_import_into_an_empty_log_gives_the_same_export(tmp_path, file_format):
    from orgunits.models import Office, Unit

    import_text(tmp_path, jsonl(GOOD))
    shanxi = Office.objects.get(slug="shanxi")
    services.record_create(office=shanxi, text="clerk's matter, with \"quotes\"\nand a line",
                           unit=Unit.objects.get(office=shanxi, slug="secretariat-3"), suggested_unit=None,
                           outcome="corrected")
    exported = run("export_records", "--format", file_format)
    assert len(exported.strip().splitlines()) >= 4
    RoutingRecord.objects.all().delete()
    path = tmp_path / f"export.{file_format}"
    path.write_text(exported, encoding="utf-8")
    assert "4 created" in run("import_records", str(path))
    assert run("export_records", "--format", file_format) == exported
    shanxi_only = run("export_records", "--office", "shanxi")
    assert [json.loads(line)["office"] for line in shanxi_only.splitlines()] == ["shanxi", "shanxi"]


def test_export_of_an_unknown_office_is_a_clean_error():
    with pytest.raises(CommandError, match="Unknown office 'atlantis'"):
        run("export_records", "--office", "atlantis")
