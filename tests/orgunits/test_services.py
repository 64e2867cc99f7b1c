"""Loading, importing and exporting the organisation data."""
import copy
import io
import json
import shutil

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError

from orgunits.interchange import OrgDataError
from orgunits.models import Duty, Office, OfficeName, PortfolioEntry, Subject, SubjectAlias, Transfer, Unit
from orgunits.selectors import org_export
from orgunits.services import org_import, org_load_fixtures

pytestmark = pytest.mark.django_db

MODELS = (Office, Unit, Duty, Subject, SubjectAlias, PortfolioEntry, Transfer)


def snapshot():
    """Every row of every model, as plain values, ids included."""
    return {model.__name__: sorted(map(repr, model.objects.values_list())) for model in MODELS}


def export_json(**kwargs):
    out = io.StringIO()
    call_command("export_org", stdout=out, **kwargs)
    return out.getvalue()


def test_load_org_twice_changes_nothing():
    before = snapshot()
    out = io.StringIO()
    call_command("load_org", stdout=out)
    assert "0 created, 0 updated, 0 deleted" in out.getvalue()
    assert snapshot() == before


def test_tree_fields_equal_a_rebuild_after_load():
    def tree():
        return sorted(Unit.objects.values_list("pk", "tree_id", "lft", "rght", "level"))

    loaded = tree()
    Unit.objects.rebuild()
    assert tree() == loaded


@pytest.mark.parametrize(
    ("office_file", "breakage", "message"),
    [
        ("jilin.yaml", lambda text: text.replace("parent: general-office", "parent: no-such-unit", 1), "no-such-unit"),
        ("hunan.yaml", lambda text: text + "\n  - {slug: Bad Slug!}\n", "Bad Slug!"),
        ("shanxi.yaml", lambda text: text.replace("units:", "units: [", 1), "cannot be read"),
    ],
)
def test_a_broken_file_changes_nothing_and_is_named(tmp_path, office_file, breakage, message):
    folder = tmp_path / "fixtures"
    shutil.copytree(settings.ORG_FIXTURES_DIR, folder, ignore=shutil.ignore_patterns("drafts"))
    # Make a change that would be written if loading were not atomic.
    subjects = (folder / "subjects.yaml").read_text(encoding="utf-8")
    (folder / "subjects.yaml").write_text(subjects.replace("name_en: Tourism", "name_en: Tourism CHANGED", 1),
                                          encoding="utf-8")
    path = folder / "offices" / office_file
    path.write_text(breakage(path.read_text(encoding="utf-8")), encoding="utf-8")
    before = snapshot()
    with pytest.raises(CommandError) as excinfo:
        call_command("load_org", dir=str(folder))
    assert office_file in str(excinfo.value)
    assert message in str(excinfo.value)
    assert snapshot() == before


def test_export_import_export_round_trip_is_identical(tmp_path):
    first = export_json()
    data = json.loads(first)
    for model in (PortfolioEntry, Duty, Transfer):
        model.objects.all().delete()
    for unit in Unit.objects.order_by("-level"):
        unit.delete()
    Office.objects.all().delete()
    SubjectAlias.objects.all().delete()
    Subject.objects.update(parent=None)
    Subject.objects.all().delete()
    assert Unit.objects.count() == 0
    path = tmp_path / "org.json"
    path.write_text(first, encoding="utf-8")
    call_command("import_org", str(path), stdout=io.StringIO())
    assert export_json() == first
    assert len(data["offices"]) == 5


def test_export_shape_has_units_in_tree_order_with_parent_slugs():
    data = json.loads(export_json(office="shanxi"))
    office = data["offices"][0]
    assert [o["slug"] for o in data["offices"]] == ["shanxi"]
    units = office["units"]
    assert units[0]["slug"] == "general-office" and units[0]["parent"] is None
    seen = set()
    for unit in units:
        assert unit["parent"] is None or unit["parent"] in seen
        seen.add(unit["slug"])
        assert set(unit) >= {"slug", "parent", "kind", "name_en", "name_zh", "source_label", "duties", "subjects"}
    research = [u["slug"] for u in units].index("research-office")
    assert [u["slug"] for u in units][research + 1] == "research-division-1"
    subject = data["subjects"][0]
    assert set(subject) >= {"slug", "name_en", "name_zh", "aliases", "parent"}


def test_export_of_an_unknown_office_is_a_command_error():
    with pytest.raises(CommandError, match="Unknown office"):
        export_json(office="atlantis")


def test_import_of_a_partly_wrong_file_changes_nothing_and_says_where(tmp_path):
    data = org_export()
    broken = copy.deepcopy(data)
    broken["offices"][1]["units"][3]["duties"].append({"text_en": "only English"})
    broken["offices"][0]["name_en"] = "Renamed"
    path = tmp_path / "broken.json"
    path.write_text(json.dumps(broken), encoding="utf-8")
    before = snapshot()
    with pytest.raises(CommandError) as excinfo:
        call_command("import_org", str(path))
    assert "text_zh" in str(excinfo.value)
    assert broken["offices"][1]["slug"] in str(excinfo.value)
    assert snapshot() == before


def test_import_of_malformed_json_is_a_command_error(tmp_path):
    path = tmp_path / "bad.json"
    path.write_bytes(b"{\"offices\": [")
    with pytest.raises(CommandError, match="cannot be read as JSON"):
        call_command("import_org", str(path))
    with pytest.raises(CommandError, match="cannot be read"):
        call_command("import_org", str(tmp_path / "missing.json"))


def test_validation_lists_every_problem():
    data = org_export()
    data["subjects"][0]["name_zh"] = ""
    data["offices"][0]["level"] = "galaxy"
    with pytest.raises(OrgDataError) as excinfo:
        org_import(data=data)
    assert len(excinfo.value.problems) == 2


def test_load_org_restores_a_deleted_unit_and_edited_duty():
    unit = Unit.objects.get(office__slug="zhengzhou", slug="e-government-office")
    duty = unit.duties.first()
    original = duty.text_en
    duty.text_en = "edited"
    duty.save()
    org_load_fixtures(directory=settings.ORG_FIXTURES_DIR)
    assert Unit.objects.get(pk=unit.pk).duties.first().text_en == original


ROW_MODELS = (Office, OfficeName, Unit, Duty, PortfolioEntry, Transfer, Subject, SubjectAlias)


def empty_database():
    for model in (PortfolioEntry, Duty, Transfer, OfficeName, SubjectAlias):
        model.objects.all().delete()
    for unit in Unit.objects.order_by("-level"):
        unit.delete()
    Office.objects.all().delete()
    Subject.objects.update(parent=None)
    Subject.objects.all().delete()


def load_org_report():
    out = io.StringIO()
    call_command("load_org", stdout=out)
    return out.getvalue()


def test_loading_into_an_empty_database_reports_every_row_as_created():
    empty_database()
    report = load_org_report()
    total = sum(model.objects.count() for model in ROW_MODELS)
    assert total > 1000
    assert f"{total} created, 0 updated, 0 deleted" in report


def test_the_report_counts_rows_changed_added_and_removed():
    duty = Duty.objects.order_by("pk").first()
    Duty.objects.filter(pk=duty.pk).update(text_en="Edited in the database")
    Subject.objects.filter(slug="tourism").update(name_en="Travel")
    SubjectAlias.objects.filter(subject__slug="tourism").order_by("pk").first().delete()
    extra = Unit.objects.get(office__slug="jilin", parent=None)
    OfficeName.objects.create(office=extra.office, name_en="Extra name", name_zh="额外名称", order=99)
    assert "1 created, 2 updated, 1 deleted" in load_org_report()


@pytest.mark.parametrize("depth", [200_000, 5_000])
def test_a_deeply_nested_document_is_refused_in_one_line(tmp_path, depth):
    path = tmp_path / "deep.json"
    path.write_text("[" * depth + "]" * depth, encoding="utf-8")
    before = snapshot()
    with pytest.raises(CommandError) as caught:
        call_command("import_org", str(path))
    assert "nothing was imported" in str(caught.value) or "nested too deeply" in str(caught.value)
    assert "\n" not in str(caught.value).strip() or "nothing was imported" in str(caught.value)
    assert snapshot() == before


@pytest.mark.django_db
def test_a_unit_without_a_parent_field_is_a_root():
    data = org_export(office_slug="hunan")
    del data["offices"][0]["units"][0]["parent"]  # the root's null parent, left out
    assert org_import(data=copy.deepcopy(data))["created"] == 0
    del data["offices"][0]["units"][3]["parent"]  # a second root
    with pytest.raises(OrgDataError, match="exactly one root unit"):
        org_import(data=data)
