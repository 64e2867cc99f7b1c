"""Spreadsheets in the admin: export, edit in a spreadsheet, preview, import; scoped, validated, recorded, atomic."""
import csv
import io
import re

import openpyxl
import pytest
import tablib
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from orgunits.models import Duty, Office, OfficeEditor, PortfolioEntry, Subject, Unit
from orgunits.services import org_tree_faults
from orgunits.spreadsheets import IMPORT_REASON, UnitResource

pytestmark = pytest.mark.django_db

OWN, OTHER = "jilin", "shanxi"
CSV_FORMAT, XLSX_FORMAT = "0", "1"
RESOURCE_FIELDS = {
    "unit": ["office", "slug", "parent", "kind", "name_en", "name_zh", "source_label", "order"],
    "duty": ["id", "office", "unit", "order", "text_en", "text_zh"],
    "portfolioentry": ["office", "unit", "subject", "order", "scope_en", "scope_zh", "quote"],
}
RESOURCE_NAMES = {"unit": "unitresource", "duty": "dutyresource", "portfolioentry": "portfolioentryresource"}


@pytest.fixture
def editor(django_user_model):
    user = django_user_model.objects.create_user("editor", password="pw-for-tests", is_staff=True)
    OfficeEditor.objects.create(user=user, office=Office.objects.get(slug=OWN))
    return user


@pytest.fixture
def editor_client(editor):
    client = Client()
    client.force_login(editor)
    return client


def export(client, model, fmt=CSV_FORMAT):
    """The admin's export of `model` as bytes, every field ticked."""
    name = RESOURCE_NAMES[model]
    data = {"format": fmt, "resource": "0", **{f"{name}_{field}": "on" for field in RESOURCE_FIELDS[model]}}
    response = client.post(f"/admin/orgunits/{model}/export/", data)
    assert response.status_code == 200, response.content[:500]
    assert "attachment" in response["Content-Disposition"]
    return response.content


def read_csv(content):
    return list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"))))


def write_csv(rows):
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode()


def preview(client, model, content, fmt=CSV_FORMAT, name="sheet.csv"):
    """Upload a sheet: the admin answers with a preview (and a confirm form when nothing is wrong)."""
    upload = SimpleUploadedFile(name, content)
    response = client.post(f"/admin/orgunits/{model}/import/", {"import_file": upload, "format": fmt, "resource": "0"})
    assert response.status_code == 200
    return response


def confirm(client, model, response):
    page = response.content.decode()
    assert "process_import" in page, "the preview offers no confirmation"
    data = {
        name: value
        for name, value in re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', page)
        if name in ("import_file_name", "original_file_name", "format", "resource")
    }
    result = client.post(f"/admin/orgunits/{model}/process_import/", data)
    assert result.status_code == 302
    return result


def test_export_gives_only_the_editors_offices(editor_client):
    rows = read_csv(export(editor_client, "unit"))
    assert {row["office"] for row in rows} == {OWN}
    assert [row["slug"] for row in rows] == list(
        Unit.objects.filter(office__slug=OWN).order_by("tree_id", "lft").values_list("slug", flat=True)
    )
    duties = read_csv(export(editor_client, "duty"))
    assert len(duties) == Duty.objects.filter(unit__office__slug=OWN).count()
    entries = read_csv(export(editor_client, "portfolioentry"))
    assert {row["office"] for row in entries} == {OWN}
    assert len(entries) == PortfolioEntry.objects.filter(unit__office__slug=OWN).count()


def test_unit_round_trip_previews_then_renames_moves_and_adds_through_the_tree_service(editor_client, editor):
    rows = read_csv(export(editor_client, "unit"))
    root = next(row for row in rows if not row["parent"])
    leaves = [row for row in rows if row["parent"] and not any(other["parent"] == row["slug"] for other in rows)]
    renamed, moved = leaves[0], leaves[1]
    new_parent = next(row for row in rows if row["parent"] == root["slug"] and row["slug"] != moved["parent"])
    renamed["name_en"] = "Renamed in a spreadsheet"
    moved["parent"] = new_parent["slug"]
    rows.append({**renamed, "slug": "spreadsheet-unit", "name_en": "Added unit", "name_zh": "新增机构", "order": "99"})

    page = preview(editor_client, "unit", write_csv(rows))
    assert "Renamed in a spreadsheet" in page.content.decode()
    assert Unit.objects.get(office__slug=OWN, slug=renamed["slug"]).name_en != "Renamed in a spreadsheet"
    assert not Unit.objects.filter(slug="spreadsheet-unit").exists()

    confirm(editor_client, "unit", page)
    unit = Unit.objects.get(office__slug=OWN, slug=renamed["slug"])
    assert unit.name_en == "Renamed in a spreadsheet"
    assert Unit.objects.get(office__slug=OWN, slug=moved["slug"]).parent.slug == new_parent["slug"]
    added = Unit.objects.get(office__slug=OWN, slug="spreadsheet-unit")
    assert added.parent.slug == renamed["parent"]
    assert org_tree_faults() == []
    record = unit.history.first()
    assert record.history_user == editor
    assert record.history_change_reason == IMPORT_REASON
    assert added.history.first().history_type == "+"


def test_a_row_outside_the_editors_office_refuses_the_whole_sheet(editor_client):
    rows = read_csv(export(editor_client, "unit"))
    rows[1]["name_en"] = "Would be renamed"
    other = Unit.objects.filter(office__slug=OTHER).exclude(parent=None).select_related("parent").first()
    rows.append(
        {
            "office": OTHER, "slug": other.slug, "parent": other.parent.slug, "kind": other.kind,
            "name_en": "Hijacked", "name_zh": other.name_zh, "source_label": other.source_label, "order": other.order,
        }
    )
    before = Unit.history.count()
    page = preview(editor_client, "unit", write_csv(rows))
    body = page.content.decode()
    assert "You do not edit the office this row belongs to." in body
    assert "process_import" not in body
    assert Unit.objects.get(pk=other.pk).name_en == other.name_en
    assert Unit.objects.get(office__slug=OWN, slug=rows[1]["slug"]).name_en != "Would be renamed"
    assert Unit.history.count() == before


def test_moving_own_rows_into_another_office_is_refused(editor_client):
    duties = read_csv(export(editor_client, "duty"))
    other_unit = Unit.objects.filter(office__slug=OTHER).first()
    duties[0]["office"], duties[0]["unit"] = OTHER, other_unit.slug
    body = preview(editor_client, "duty", write_csv(duties[:1])).content.decode()
    assert "You do not edit the office this row names." in body
    assert Duty.objects.get(pk=duties[0]["id"]).unit.office.slug == OWN


def test_a_sheet_is_imported_whole_or_not_at_all(editor):
    """A valid row and a refused one in one sheet: the valid one is undone too."""
    unit = Unit.objects.filter(office__slug=OWN).exclude(parent=None).select_related("parent", "office").first()
    other = Unit.objects.filter(office__slug=OTHER).exclude(parent=None).select_related("parent").first()
    headers = RESOURCE_FIELDS["unit"]
    sheet = tablib.Dataset(headers=headers)
    sheet.append([OWN, unit.slug, unit.parent.slug, unit.kind, "Changed", unit.name_zh, unit.source_label, unit.order])
    sheet.append([OTHER, other.slug, other.parent.slug, other.kind, "Changed", other.name_zh, "", other.order])
    result = UnitResource().import_data(sheet, dry_run=False, user=editor, rollback_on_validation_errors=True)
    assert result.has_validation_errors()
    assert Unit.objects.get(pk=unit.pk).name_en == unit.name_en


def test_tree_rules_hold_for_imported_units(editor_client):
    rows = read_csv(export(editor_client, "unit"))
    root = next(row for row in rows if not row["parent"])
    child = next(row for row in rows if row["parent"] == root["slug"])
    root["parent"] = child["slug"]  # the root under its own child: a cycle
    body = preview(editor_client, "unit", write_csv([root])).content.decode()
    assert "process_import" not in body
    assert "cannot be moved under another unit" in body or "under itself" in body
    missing = dict(child, parent="no-such-unit")
    body = preview(editor_client, "unit", write_csv([missing])).content.decode()
    assert "There is no unit &#x27;no-such-unit&#x27;." in body or "There is no unit 'no-such-unit'." in body
    assert Unit.objects.get(office__slug=OWN, slug=child["slug"]).parent.slug == root["slug"]
    assert org_tree_faults() == []


def test_duties_and_portfolio_round_trip_as_xlsx_and_are_recorded(editor_client, editor):
    book = openpyxl.load_workbook(io.BytesIO(export(editor_client, "duty", XLSX_FORMAT)))
    sheet = book.active
    header = [cell.value for cell in sheet[1]]
    sheet.cell(row=2, column=header.index("text_en") + 1, value="Edited in a spreadsheet program.")
    duty_id = sheet.cell(row=2, column=header.index("id") + 1).value
    out = io.BytesIO()
    book.save(out)
    page = preview(editor_client, "duty", out.getvalue(), XLSX_FORMAT, "duties.xlsx")
    confirm(editor_client, "duty", page)
    duty = Duty.objects.get(pk=duty_id)
    assert duty.text_en == "Edited in a spreadsheet program."
    assert duty.history.first().history_user == editor
    assert Duty.history.filter(history_change_reason=IMPORT_REASON).count() == 1  # unchanged rows are skipped

    entries = read_csv(export(editor_client, "portfolioentry"))
    unit = Unit.objects.filter(office__slug=OWN).exclude(parent=None).first()
    held = set(unit.portfolio.values_list("subject__slug", flat=True))
    subject = Subject.objects.exclude(slug__in=held).order_by("slug").first()
    new_row = {**entries[0], "unit": unit.slug, "subject": subject.slug, "scope_en": "From the sheet", "order": "9"}
    confirm(editor_client, "portfolioentry", preview(editor_client, "portfolioentry", write_csv([new_row])))
    entry = PortfolioEntry.objects.get(unit=unit, subject=subject)
    assert entry.scope_en == "From the sheet"
    assert entry.history.first().history_user == editor


def test_people_who_edit_no_office_cannot_export_or_import(django_user_model):
    user = django_user_model.objects.create_user("staff", password="pw-for-tests", is_staff=True)
    client = Client()
    client.force_login(user)
    assert client.get("/admin/orgunits/unit/export/").status_code == 403
    assert client.get("/admin/orgunits/unit/import/").status_code == 403
