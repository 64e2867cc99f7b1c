"""One validation for every door: the admin, the services and the import accept the same slugs and text,
and what they accept every output (export, import, the SVG chart) can carry."""
import copy
import io
import json
from xml.etree import ElementTree

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import models
from django.urls import reverse

from orgunits.interchange import OrgDataError, validate_org_data
from orgunits.models import Duty, Office, OfficeName, PortfolioEntry, Subject, SubjectAlias, Transfer, Unit
from orgunits.services import unit_create
from tests.orgunits.test_admin import unit_form_data

pytestmark = pytest.mark.django_db

BAD_SLUGS = ["Upper_Case", "UPPER", "under_score", "trailing-", "-leading", "double--hyphen", "two words", "旅游"]
# Characters XML 1.0 cannot carry or that are not characters at all, plus C1 and escape controls.
CONTROL_CHARACTERS = ["\x0b", "\x0c", "\x1b", "\x7f", "\x85", "\ufffe", "\uffff", "\ufdd0", "\U0001fffe"]
TEXT_MODELS = [Office, OfficeName, Subject, SubjectAlias, Unit, Duty, PortfolioEntry, Transfer]


def a_leaf(office="shanxi"):
    return Unit.objects.filter(office__slug=office, children__isnull=True).exclude(parent=None).order_by("pk").first()


def post_unit(client, unit, **changes):
    return client.post(reverse("admin:orgunits_unit_change", args=[unit.pk]), unit_form_data(unit, **changes))


def free_text_fields(model):
    return [
        field for field in model._meta.concrete_fields
        if isinstance(field, (models.CharField, models.TextField)) and not field.choices
        and not isinstance(field, models.SlugField)
    ]


# Duplicate slugs ---------------------------------------------------------------------------------


def test_a_duplicate_unit_slug_is_a_form_error_not_a_crash(admin_client_logged_in):
    unit = a_leaf()
    sibling = Unit.objects.filter(office=unit.office).exclude(pk=unit.pk).exclude(parent=None).order_by("pk").first()
    response = post_unit(admin_client_logged_in, unit, slug=sibling.slug)
    assert response.status_code == 200
    assert "slug" in response.context["adminform"].form.errors
    unit.refresh_from_db()
    assert unit.slug != sibling.slug


def test_a_slug_used_in_another_office_is_fine(admin_client_logged_in):
    unit = a_leaf("shanxi")
    elsewhere = a_leaf("jilin").slug
    assert not Unit.objects.filter(office=unit.office, slug=elsewhere).exists()
    assert post_unit(admin_client_logged_in, unit, slug=elsewhere).status_code == 302
    unit.refresh_from_db()
    assert unit.slug == elsewhere


def test_the_unit_service_refuses_a_duplicate_slug_with_a_validation_error():
    unit = a_leaf()
    with pytest.raises(ValidationError) as caught:
        unit_create(office=unit.office, parent=unit.parent, slug=unit.slug, kind="division", name_en="Twin",
                    name_zh="重名")
    assert caught.value.message_dict
    assert Unit.objects.filter(office=unit.office, slug=unit.slug).count() == 1


# Slug form ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("slug", BAD_SLUGS)
def test_the_admin_refuses_the_unit_slugs_that_import_refuses(admin_client_logged_in, slug):
    unit = a_leaf()
    response = post_unit(admin_client_logged_in, unit, slug=slug)
    assert response.status_code == 200
    assert "slug" in response.context["adminform"].form.errors
    unit.refresh_from_db()
    assert unit.slug != slug
    with pytest.raises(OrgDataError):
        validate_org_data(export(office="shanxi", change=lambda data: data["offices"][0]["units"][1].update(slug=slug)))


@pytest.mark.parametrize("model", [Office, Subject], ids=lambda model: model.__name__)
def test_the_admin_refuses_bad_office_and_subject_slugs(admin_client_logged_in, model):
    obj = model.objects.order_by("pk").first()
    url = reverse(f"admin:orgunits_{model._meta.model_name}_change", args=[obj.pk])
    form = admin_client_logged_in.get(url).context["adminform"].form
    data = {name: form[name].value() for name in form.fields if form[name].value() is not None}
    data.update({key: 0 for key in ("other_names-TOTAL_FORMS", "other_names-INITIAL_FORMS", "transfers-TOTAL_FORMS",
                                    "transfers-INITIAL_FORMS", "editors-TOTAL_FORMS", "editors-INITIAL_FORMS",
                                    "aliases-TOTAL_FORMS", "aliases-INITIAL_FORMS")})
    data["slug"] = "Upper_Case"
    response = admin_client_logged_in.post(url, data)
    assert response.status_code == 200
    assert "slug" in response.context["adminform"].form.errors
    obj.refresh_from_db()
    assert obj.slug != "Upper_Case"


def test_the_unit_service_refuses_a_bad_slug():
    unit = a_leaf()
    with pytest.raises(ValidationError) as caught:
        unit_create(office=unit.office, parent=unit.parent, slug="Upper_Case", kind="division", name_en="X",
                    name_zh="X")
    assert "slug" in caught.value.message_dict
    assert not Unit.objects.filter(slug="Upper_Case").exists()


def test_after_admin_edits_the_export_still_imports(admin_client_logged_in):
    unit = a_leaf()
    post_unit(admin_client_logged_in, unit, slug="Upper_Case", name_en="Renamed\x0bdivision")
    post_unit(admin_client_logged_in, unit, slug=a_leaf().parent.slug)
    out = io.StringIO()
    call_command("check_tree", stdout=out)
    validate_org_data(export())


# Length limits ------------------------------------------------------------------------------------


def export(office=None, change=None):
    out = io.StringIO()
    call_command("export_org", *(["--office", office] if office else []), stdout=out)
    data = json.loads(out.getvalue())
    if change:
        change(data)
    return data


def places(data):
    """(model, field name, the dict in the export that holds it) for every length-limited column."""
    office = data["offices"][0]
    named = next(office for office in data["offices"] if office["other_names"])
    moved = next(office for office in data["offices"] if office["transfers"])
    unit = next(unit for unit in office["units"] if unit["subjects"])
    subject = next(subject for subject in data["subjects"] if subject["aliases"])
    yield from ((Office, field, office) for field in ("slug", "name_en", "name_zh", "source_file",
                                                      "document_title_en", "document_title_zh", "document_number",
                                                      "address_en", "address_zh", "telephone"))
    yield from ((OfficeName, field, named["other_names"][0]) for field in ("name_en", "name_zh"))
    yield from ((Transfer, field, moved["transfers"][0]) for field in ("body_en", "body_zh"))
    yield from ((Unit, field, unit) for field in ("slug", "name_en", "name_zh", "source_label"))
    yield from ((PortfolioEntry, field, unit["subjects"][0]) for field in ("scope_en", "scope_zh"))
    yield from ((Subject, field, subject) for field in ("slug", "name_en", "name_zh"))


def test_every_column_limit_is_the_import_limit():
    checked = 0
    exported = export()
    for model, field, _holder in places(exported):
        limit = model._meta.get_field(field).max_length
        for length, accepted in ((limit, True), (limit + 1, False)):
            data = copy.deepcopy(exported)
            holder = next(h for m, f, h in places(data) if (m, f) == (model, field))
            value = "a" * length
            if field == "slug" and model is Unit:
                for other in data["offices"][0]["units"]:
                    if other["parent"] == holder["slug"]:
                        other["parent"] = value
            if field == "slug" and model is Subject:
                continue_with = holder["slug"]
                for office in data["offices"]:
                    for unit in office["units"]:
                        for entry in unit["subjects"]:
                            if entry["slug"] == continue_with:
                                entry["slug"] = value
                    for transfer in office["transfers"]:
                        transfer["subjects"] = [value if s == continue_with else s for s in transfer["subjects"]]
                for subject in data["subjects"]:
                    if subject.get("parent") == continue_with:
                        subject["parent"] = value
            holder[field] = value
            if accepted:
                validate_org_data(data)
            else:
                with pytest.raises(OrgDataError, match=field):
                    validate_org_data(data)
        checked += 1
    assert checked >= 20
    alias_limit = SubjectAlias._meta.get_field("text").max_length
    data = export()
    data["subjects"][0]["aliases"] = ["a" * (alias_limit + 1)]
    with pytest.raises(OrgDataError):
        validate_org_data(data)


# Control characters -------------------------------------------------------------------------------


@pytest.mark.parametrize("char", CONTROL_CHARACTERS, ids=lambda char: f"U+{ord(char):04X}")
def test_the_admin_refuses_control_characters_and_the_chart_stays_well_formed(admin_client_logged_in, client, char):
    unit = a_leaf()
    response = post_unit(admin_client_logged_in, unit, name_en=f"Bad{char}name")
    assert response.status_code == 200
    assert "name_en" in response.context["adminform"].form.errors
    unit.refresh_from_db()
    assert char not in unit.name_en
    chart = client.get(f"/offices/{unit.office.slug}/chart.svg")
    ElementTree.fromstring(chart.content)


@pytest.mark.parametrize("model", TEXT_MODELS, ids=lambda model: model.__name__)
def test_every_free_text_field_refuses_control_characters(model):
    fields = free_text_fields(model)
    assert fields
    obj = model.objects.order_by("pk").first()
    for field in fields:
        for char in CONTROL_CHARACTERS:
            with pytest.raises(ValidationError):
                field.clean(f"a{char}b", obj)
        field.clean("Tab\tand\nnew lines, 中文 and émoji 😀 are fine", obj)


@pytest.mark.parametrize("char", CONTROL_CHARACTERS, ids=lambda char: f"U+{ord(char):04X}")
def test_the_import_refuses_control_characters(char):
    data = export(office="jilin")
    data["offices"][0]["units"][0]["name_en"] = f"General{char}Office"
    with pytest.raises(OrgDataError, match=f"U\\+{ord(char):04X}"):
        validate_org_data(data)


def test_the_chart_of_data_stored_before_the_check_is_still_well_formed(client):
    unit = a_leaf()
    Unit.objects.filter(pk=unit.pk).update(name_en="Old\x0bdata\ufffe", name_zh="旧\x01数据")
    Office.objects.filter(pk=unit.office_id).update(document_number="No.\x0c1")
    for language in ("en", "zh-hans"):
        response = client.get(f"/offices/{unit.office.slug}/chart.svg", HTTP_ACCEPT_LANGUAGE=language)
        assert response.status_code == 200
        root = ElementTree.fromstring(response.content)
        assert "Olddata" in "".join(root.itertext()) or "旧数据" in "".join(root.itertext())
