"""Office editors work on their own offices only: an editor of Jilin against Shanxi's data.

Every office-scoped admin model is checked for list, view, add, change, delete, bulk actions,
history and raw URLs; units also for moves and autocomplete. The shared subject taxonomy needs
its own permission.
"""
import pytest
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse

from orgunits.access import OFFICE_PATHS, editable_office_ids, user_can_edit_taxonomy
from orgunits.models import (
    Duty,
    Office,
    OfficeEditor,
    OfficeName,
    PortfolioEntry,
    Subject,
    SubjectAlias,
    Transfer,
    Unit,
)

pytestmark = pytest.mark.django_db

OWN, OTHER = "jilin", "shanxi"
SCOPED_MODELS = [Unit, Duty, PortfolioEntry, Office, OfficeName, Transfer]


def admin_url(model, view, *args):
    return reverse(f"admin:orgunits_{model._meta.model_name}_{view}", args=args)


def in_office(model, slug):
    path = OFFICE_PATHS[model]
    lookup = "slug" if path == "pk" else f"{path}__slug"
    return model.objects.filter(**{lookup: slug})


def sample(model, slug):
    """A non-root object of `model` in office `slug` (made when the data has none)."""
    rows = in_office(model, slug)
    if model is Unit:
        rows = rows.exclude(parent=None).filter(children__isnull=True)
    obj = rows.order_by("pk").first()
    if obj is None:
        office = Office.objects.get(slug=slug)
        if model is OfficeName:
            obj = OfficeName.objects.create(office=office, name_en="Another name", name_zh="别名")
        elif model is Transfer:
            obj = Transfer.objects.create(office=office, direction="out", text_en="Something", text_zh="某事")
    assert obj is not None, (model, slug)
    return obj


def form_data(response, **changes):
    """The POST data an unchanged submit of the admin form on `response` would send, plus `changes`."""
    data = {}

    def add(form):
        for name in form.fields:
            value = form[name].value()
            key = form.add_prefix(name)
            if value is None or value is False:
                continue
            if value is True:
                data[key] = "on"
            elif isinstance(value, (list, tuple)):
                data[key] = [str(item) for item in value]
            else:
                data[key] = str(value)

    add(response.context["adminform"].form)
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        add(formset.management_form)
        for form in formset.forms:
            add(form)
    data.update({key: value for key, value in changes.items()})
    return data


def add_values(model, slug):
    """Field values for a new object of `model` in office `slug`."""
    office = Office.objects.get(slug=slug)
    unit = sample(Unit, slug)
    held = set(unit.portfolio.values_list("subject_id", flat=True))
    subject = Subject.objects.exclude(pk__in=held).order_by("pk").first()
    return {
        Unit: {"office": office.pk, "parent": unit.parent_id, "slug": "brand-new-unit", "kind": "division",
               "name_en": "Brand-new Division", "name_zh": "新设处", "source_label": "新设处", "order": 99},
        Duty: {"unit": unit.pk, "order": 99, "text_en": "A brand-new duty", "text_zh": "一项新职责"},
        PortfolioEntry: {"unit": unit.pk, "subject": subject.pk, "order": 99, "scope_en": "", "scope_zh": "",
                         "quote": ""},
        OfficeName: {"office": office.pk, "name_en": "A brand-new name", "name_zh": "新名称", "quote": "",
                     "order": 9},
        Transfer: {"office": office.pk, "order": 9, "direction": "out", "text_en": "A brand-new transfer",
                   "text_zh": "新划出职责", "quote": "", "body_en": "", "body_zh": ""},
    }[model]


def text_field(model):
    return {Unit: "name_en", Duty: "text_en", PortfolioEntry: "scope_en", Office: "telephone",
            OfficeName: "name_en", Transfer: "text_en"}[model]


@pytest.fixture
def editor(django_user_model):
    user = django_user_model.objects.create_user("jilin-editor", password="pw-for-tests", is_staff=True)
    OfficeEditor.objects.create(user=user, office=Office.objects.get(slug=OWN))
    return user


@pytest.fixture
def editor_client(client, editor):
    client.force_login(editor)
    return client


@pytest.fixture
def superuser_client(django_user_model):
    """A second browser, logged in as a superuser, beside the editor's."""
    client = Client()
    client.force_login(django_user_model.objects.create_superuser("root", "root@example.org", "pw-for-tests"))
    return client


# Lists ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("model", SCOPED_MODELS, ids=lambda model: model.__name__)
def test_the_list_shows_only_the_editors_office(editor_client, model):
    own, other = sample(model, OWN), sample(model, OTHER)
    response = editor_client.get(admin_url(model, "changelist"), {"all": ""})
    assert response.status_code == 200
    listed = list(response.context["cl"].queryset)
    assert own in listed and other not in listed
    assert set(listed) == set(in_office(model, OWN))
    assert admin_url(model, "change", other.pk) not in response.content.decode()


@pytest.mark.parametrize("model", SCOPED_MODELS, ids=lambda model: model.__name__)
def test_a_filter_or_search_cannot_reach_another_office(editor_client, model):
    other = sample(model, OTHER)
    office = Office.objects.get(slug=OTHER)
    params = {"q": str(other)[:10]}
    if model is not Office:
        params["office__id__exact" if OFFICE_PATHS[model] == "office" else "unit__office__id__exact"] = office.pk
    response = editor_client.get(admin_url(model, "changelist"), params)
    if response.status_code == 200:
        assert other not in list(response.context["cl"].queryset)
    else:
        assert response.status_code == 302  # Django turns an unusable filter into ?e=1


# Raw URLs of another office's object ----------------------------------------------------------


@pytest.mark.parametrize("view", ["change", "delete", "history"])
@pytest.mark.parametrize("model", SCOPED_MODELS, ids=lambda model: model.__name__)
def test_another_offices_object_is_forbidden(editor_client, model, view):
    other = sample(model, OTHER)
    assert editor_client.get(admin_url(model, view, other.pk)).status_code == 403
    assert editor_client.post(admin_url(model, view, other.pk), {"post": "yes"}).status_code == 403
    assert model.objects.filter(pk=other.pk).exists()


@pytest.mark.parametrize("model", SCOPED_MODELS, ids=lambda model: model.__name__)
def test_another_offices_history_versions_are_forbidden(editor_client, model):
    other = sample(model, OTHER)
    record = other.history.latest()
    url = reverse(f"admin:orgunits_{model._meta.model_name}_simple_history", args=[other.pk, record.history_id])
    assert editor_client.get(url).status_code == 403
    assert editor_client.post(url, {}).status_code == 403


@pytest.mark.parametrize("model", SCOPED_MODELS, ids=lambda model: model.__name__)
def test_a_change_posted_to_another_offices_object_changes_nothing(editor_client, superuser_client, model):
    other = sample(model, OTHER)
    field = text_field(model)
    data = form_data(superuser_client.get(admin_url(model, "change", other.pk)), **{field: "hijacked"})
    assert editor_client.post(admin_url(model, "change", other.pk), data).status_code == 403
    other.refresh_from_db()
    assert getattr(other, field) != "hijacked"


@pytest.mark.parametrize("model", SCOPED_MODELS, ids=lambda model: model.__name__)
def test_bulk_delete_skips_another_offices_rows(editor_client, model):
    other = sample(model, OTHER)
    response = editor_client.post(
        admin_url(model, "changelist"), {"action": "delete_selected", "_selected_action": [other.pk], "post": "yes"}
    )
    assert response.status_code in (200, 302)
    assert model.objects.filter(pk=other.pk).exists()


def test_unknown_and_malformed_ids_are_not_errors(editor_client):
    for object_id in ("999999", "not-a-number", "-1", "1e9", "%00"):
        response = editor_client.get(f"/admin/orgunits/unit/{object_id}/change/")
        assert response.status_code in (302, 404), object_id


# The editor's own office ----------------------------------------------------------------------


@pytest.mark.parametrize("model", SCOPED_MODELS, ids=lambda model: model.__name__)
def test_the_editor_changes_own_offices_objects_and_is_recorded(editor_client, editor, model):
    own = sample(model, OWN)
    field = text_field(model)
    page = editor_client.get(admin_url(model, "change", own.pk))
    assert page.status_code == 200
    response = editor_client.post(admin_url(model, "change", own.pk), form_data(page, **{field: "Edited by Jilin"}))
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else ""
    own.refresh_from_db()
    assert getattr(own, field) == "Edited by Jilin"
    latest = own.history.latest()
    assert latest.history_user == editor and latest.history_type == "~"
    assert editor_client.get(admin_url(model, "history", own.pk)).status_code == 200


@pytest.mark.parametrize("model", [Unit, Duty, PortfolioEntry, OfficeName, Transfer], ids=lambda model: model.__name__)
def test_add_offers_only_own_office_and_refuses_another(editor_client, model):
    page = editor_client.get(admin_url(model, "add"))
    assert page.status_code == 200
    target = "unit" if OFFICE_PATHS[model] == "unit__office" else "office"
    form = page.context["adminform"].form
    if target == "office":
        assert set(form.fields["office"].queryset.values_list("slug", flat=True)) == {OWN}
    else:
        assert set(form.fields["unit"].queryset.values_list("office__slug", flat=True)) == {OWN}
    before = model.objects.count()
    foreign = form_data(page, **{key: value for key, value in add_values(model, OTHER).items()})
    response = editor_client.post(admin_url(model, "add"), foreign)
    assert response.status_code == 200
    assert target in response.context["adminform"].form.errors
    assert model.objects.count() == before
    response = editor_client.post(admin_url(model, "add"), form_data(page, **add_values(model, OWN)))
    assert response.status_code == 302
    assert model.objects.count() == before + 1


def test_the_editor_cannot_add_or_delete_offices_nor_rename_the_slug(editor_client):
    own = Office.objects.get(slug=OWN)
    assert editor_client.get(admin_url(Office, "add")).status_code == 403
    assert editor_client.post(admin_url(Office, "delete", own.pk), {"post": "yes"}).status_code == 403
    page = editor_client.get(admin_url(Office, "change", own.pk))
    assert "slug" not in page.context["adminform"].form.fields
    editor_client.post(admin_url(Office, "change", own.pk), form_data(page, slug="renamed"))
    own.refresh_from_db()
    assert own.slug == OWN


def test_the_editor_deletes_own_duty(editor_client):
    duty = sample(Duty, OWN)
    assert editor_client.post(admin_url(Duty, "delete", duty.pk), {"post": "yes"}).status_code == 302
    assert not Duty.objects.filter(pk=duty.pk).exists()


# Units: moves and autocomplete ----------------------------------------------------------------


def test_a_unit_cannot_be_moved_under_another_offices_unit(editor_client):
    unit = sample(Unit, OWN)
    foreign_parent = Unit.objects.get(office__slug=OTHER, parent=None)
    page = editor_client.get(admin_url(Unit, "change", unit.pk))
    response = editor_client.post(admin_url(Unit, "change", unit.pk), form_data(page, parent=foreign_parent.pk))
    assert response.status_code == 200
    assert "parent" in response.context["adminform"].form.errors
    unit.refresh_from_db()
    assert unit.parent.office.slug == OWN


def test_the_editor_moves_own_units_within_the_office(editor_client):
    unit = sample(Unit, OWN)
    new_parent = Unit.objects.filter(office__slug=OWN).exclude(pk__in=[unit.pk, unit.parent_id]).exclude(
        parent=None).first()
    page = editor_client.get(admin_url(Unit, "change", unit.pk))
    response = editor_client.post(admin_url(Unit, "change", unit.pk), form_data(page, parent=new_parent.pk))
    assert response.status_code == 302
    unit.refresh_from_db()
    new_parent.refresh_from_db()
    assert unit.parent == new_parent and unit.is_descendant_of(new_parent)


@pytest.mark.parametrize(
    ("model_name", "field_name"), [("duty", "unit"), ("portfolioentry", "unit"), ("unit", "parent")]
)
def test_unit_autocomplete_offers_only_own_units(editor_client, model_name, field_name):
    response = editor_client.get(
        reverse("admin:autocomplete"),
        {"app_label": "orgunits", "model_name": model_name, "field_name": field_name, "term": "", "page": 1},
    )
    assert response.status_code == 200
    ids = {int(item["id"]) for item in response.json()["results"]}
    assert ids and set(Unit.objects.filter(pk__in=ids).values_list("office__slug", flat=True)) == {OWN}


def test_subject_autocomplete_is_open_to_editors(editor_client):
    response = editor_client.get(
        reverse("admin:autocomplete"),
        {"app_label": "orgunits", "model_name": "portfolioentry", "field_name": "subject", "term": "tour"},
    )
    assert response.status_code == 200 and response.json()["results"]


# The shared taxonomy --------------------------------------------------------------------------


def test_editors_read_but_do_not_change_the_shared_taxonomy(editor_client, editor):
    subject = Subject.objects.get(slug="tourism")
    assert editor_client.get(admin_url(Subject, "changelist")).status_code == 200
    page = editor_client.get(admin_url(Subject, "change", subject.pk))
    assert page.status_code == 200 and not page.context["has_change_permission"]
    response = editor_client.post(admin_url(Subject, "change", subject.pk), {"name_en": "Hijacked"})
    assert response.status_code == 403
    assert editor_client.get(admin_url(Subject, "add")).status_code == 403
    assert editor_client.post(admin_url(Subject, "delete", subject.pk), {"post": "yes"}).status_code == 403
    subject.refresh_from_db()
    assert subject.name_en == "Tourism" and not user_can_edit_taxonomy(editor)


def test_the_taxonomy_permission_lets_a_user_edit_subjects(client, editor, superuser_client):
    editor.user_permissions.add(Permission.objects.get(codename="edit_taxonomy"))
    subject = Subject.objects.get(slug="tourism")
    client.force_login(editor)
    page = client.get(admin_url(Subject, "change", subject.pk))
    response = client.post(admin_url(Subject, "change", subject.pk), form_data(page, name_en="Tourism and travel"))
    assert response.status_code == 302
    subject.refresh_from_db()
    assert subject.name_en == "Tourism and travel"


# Who is an editor ------------------------------------------------------------------------------


def test_staff_without_an_office_sees_no_organisation_data(client, django_user_model):
    user = django_user_model.objects.create_user("nobody", password="pw-for-tests", is_staff=True)
    client.force_login(user)
    assert editable_office_ids(user) == frozenset()
    assert client.get(admin_url(Unit, "changelist")).status_code == 403
    assert client.get(admin_url(Subject, "changelist")).status_code == 403


def test_only_superusers_grant_editing_rights(editor_client, superuser_client, editor):
    assert editor_client.get(reverse("admin:auth_user_change", args=[editor.pk])).status_code == 403
    own = Office.objects.get(slug=OWN)
    page = superuser_client.get(admin_url(Office, "change", own.pk))
    assert any(inline.formset.model is OfficeEditor for inline in page.context["inline_admin_formsets"])
    page = editor_client.get(admin_url(Office, "change", own.pk))
    assert not any(inline.formset.model is OfficeEditor for inline in page.context["inline_admin_formsets"])


def test_a_superuser_sees_every_office(superuser_client):
    response = superuser_client.get(admin_url(Unit, "changelist"), {"all": ""})
    assert {unit.office.slug for unit in response.context["cl"].queryset} == set(
        Office.objects.values_list("slug", flat=True)
    )


def test_an_editor_of_two_offices_sees_both(client, editor):
    OfficeEditor.objects.create(user=editor, office=Office.objects.get(slug=OTHER))
    client.force_login(editor)
    response = client.get(admin_url(Unit, "changelist"), {"all": ""})
    assert {unit.office.slug for unit in response.context["cl"].queryset} == {OWN, OTHER}


def test_the_admin_index_shows_the_editor_their_models(editor_client):
    response = editor_client.get(reverse("admin:index"))
    assert response.status_code == 200
    names = {model["object_name"] for app in response.context["app_list"] for model in app["models"]}
    assert {"Unit", "Duty", "PortfolioEntry", "Office", "Subject"} <= names
    assert "User" not in names


# Logins ----------------------------------------------------------------------------------------


def test_repeated_failed_logins_lock_that_username_from_that_address(editor, settings):
    url = reverse("admin:login")
    attacker = Client(REMOTE_ADDR="203.0.113.7")
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        response = attacker.post(url, {"username": "jilin-editor", "password": "guess"})
        assert response.status_code == 200 and response.context["form"].errors
    assert attacker.post(url, {"username": "jilin-editor", "password": "guess"}).status_code == 429
    locked = attacker.post(url, {"username": "jilin-editor", "password": "pw-for-tests"})
    assert locked.status_code == 429
    # The editor at their own desk is not locked out by a stranger's guessing...
    desk = Client(REMOTE_ADDR="198.51.100.9")
    assert desk.post(url, {"username": "jilin-editor", "password": "pw-for-tests"}).status_code == 302
    # ...and logins made in code (the test client, a shell) are not throttled.
    assert Client().login(username="jilin-editor", password="pw-for-tests")


def test_the_client_address_comes_from_our_own_proxy_only(rf, settings):
    from orgunits.access import login_client_ip

    request = rf.get("/", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.7", REMOTE_ADDR="10.0.0.2")
    assert login_client_ip(request) == "10.0.0.2"
    settings.TRUSTED_PROXY_COUNT = 1
    assert login_client_ip(request) == "203.0.113.7"


@pytest.mark.parametrize("model", [Subject, SubjectAlias], ids=lambda model: model.__name__)
def test_the_taxonomy_is_read_only_for_office_editors(editor_client, model):
    obj = model.objects.order_by("pk").first()
    assert editor_client.get(admin_url(model, "changelist")).status_code == 200
    assert editor_client.get(admin_url(model, "change", obj.pk)).status_code == 200
    assert editor_client.post(admin_url(model, "change", obj.pk), {}).status_code == 403
    assert editor_client.get(admin_url(model, "add")).status_code == 403
    assert editor_client.post(admin_url(model, "delete", obj.pk), {"post": "yes"}).status_code == 403
    response = editor_client.post(
        admin_url(model, "changelist"), {"action": "delete_selected", "_selected_action": [obj.pk], "post": "yes"}
    )
    assert response.status_code in (200, 302, 403)
    assert model.objects.filter(pk=obj.pk).exists()


# History reverts --------------------------------------------------------------------------------

HISTORY_MODELS = [Unit, Duty, PortfolioEntry, Office, OfficeName, Transfer, Subject, SubjectAlias]


def version_url(obj, record):
    return reverse(f"admin:orgunits_{obj._meta.model_name}_simple_history", args=[obj.pk, record.history_id])


def version_form_data(response, **changes):
    """What saving the history page on `response` unchanged would post, plus `changes`."""
    data = {}
    form = response.context["adminform"].form
    for name in form.fields:
        value = form[name].value()
        if value is None or value is False:
            continue
        data[name] = [str(item) for item in value] if isinstance(value, (list, tuple)) else str(value)
    data.update({"other_names-TOTAL_FORMS": 0, "other_names-INITIAL_FORMS": 0, "transfers-TOTAL_FORMS": 0,
                 "transfers-INITIAL_FORMS": 0, "duties-TOTAL_FORMS": 0, "duties-INITIAL_FORMS": 0,
                 "portfolio-TOTAL_FORMS": 0, "portfolio-INITIAL_FORMS": 0, "aliases-TOTAL_FORMS": 0,
                 "aliases-INITIAL_FORMS": 0})
    data.update(changes)
    return data


def move_to_other_office(obj):
    """Move `obj` from OWN to OTHER as a superuser would (recorded in its history)."""
    other = Office.objects.get(slug=OTHER)
    if isinstance(obj, Unit):
        # The admin never changes a unit's office; a raw write stands in for any other way.
        Unit.objects.filter(pk=obj.pk).update(office=other)
        return
    if isinstance(obj, (Duty, PortfolioEntry)):
        units = Unit.objects.filter(office=other).order_by("pk")
        if isinstance(obj, PortfolioEntry):
            units = units.exclude(portfolio__subject=obj.subject_id)
        obj.unit = units.first()
    else:
        obj.office = other
    obj.save()


@pytest.mark.parametrize("model", [Unit, Duty, PortfolioEntry, OfficeName, Transfer], ids=lambda model: model.__name__)
def test_a_row_moved_to_another_office_cannot_be_taken_back_through_its_history(
    editor_client, superuser_client, model
):
    obj = sample(model, OWN)
    before_move = obj.history.latest()
    move_to_other_office(obj)
    url = version_url(obj, before_move)
    field = text_field(model)
    data = version_form_data(superuser_client.get(url), **{field: "Taken back"})
    assert editor_client.get(url).status_code == 403
    assert editor_client.post(url, data).status_code == 403
    obj.refresh_from_db()
    assert in_office(model, OTHER).filter(pk=obj.pk).exists()
    assert getattr(obj, field) != "Taken back"


def test_a_deleted_row_last_in_another_office_cannot_be_restored_from_an_older_version(editor_client):
    duty = sample(Duty, OWN)
    before_move = duty.history.latest()
    move_to_other_office(duty)
    duty_pk = duty.pk
    duty.delete()
    url = reverse("admin:orgunits_duty_simple_history", args=[duty_pk, before_move.history_id])
    assert editor_client.get(url).status_code == 403
    assert editor_client.post(url, {"unit": before_move.unit_id, "order": 1, "text_en": "x",
                                    "text_zh": "x"}).status_code == 403
    assert not Duty.objects.filter(pk=duty_pk).exists()


@pytest.mark.parametrize("model", [Subject, SubjectAlias], ids=lambda model: model.__name__)
def test_a_read_only_editor_cannot_revert_the_taxonomy(editor_client, superuser_client, model):
    obj = model.objects.order_by("pk").first()
    record = obj.history.latest()
    url = version_url(obj, record)
    field = "name_en" if model is Subject else "text"
    data = version_form_data(superuser_client.get(url), **{field: "Hijacked"})
    assert editor_client.get(url).status_code == 200  # reading the history is allowed
    assert editor_client.post(url, data).status_code == 403
    obj.refresh_from_db()
    assert getattr(obj, field) != "Hijacked"


@pytest.mark.parametrize("model", HISTORY_MODELS, ids=lambda model: model.__name__)
def test_the_history_of_every_model_answers_malformed_versions_with_404(editor_client, model):
    obj = model.objects.order_by("pk").first()
    for version in ("999999999", "abc"):
        url = f"/admin/orgunits/{model._meta.model_name}/{obj.pk}/history/{version}/"
        assert editor_client.get(url).status_code in (403, 404), (model, version)


@pytest.mark.parametrize("model", [Unit, Duty, PortfolioEntry, Office, OfficeName, Transfer],
                         ids=lambda model: model.__name__)
def test_the_editor_still_reverts_own_offices_rows(editor_client, editor, model):
    obj = sample(model, OWN)
    field = text_field(model)
    original = getattr(obj, field)
    record = obj.history.latest()
    setattr(obj, field, "Changed since")
    obj.save()
    url = version_url(obj, record)
    response = editor_client.post(url, version_form_data(editor_client.get(url)))
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else ""
    obj.refresh_from_db()
    assert getattr(obj, field) == original
    assert obj.history.latest().history_user == editor
