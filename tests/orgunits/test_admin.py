"""Every admin page of every model renders, and tree moves through the admin stay safe."""
import pytest
from django.contrib import admin
from django.urls import reverse

from orgunits.models import Office, Unit

pytestmark = pytest.mark.django_db

ADMIN_MODELS = [model for model in admin.site._registry if model._meta.app_label in {"orgunits"}]


@pytest.mark.parametrize("model", ADMIN_MODELS, ids=lambda model: model.__name__)
def test_changelist_add_and_change_pages_render(admin_client_logged_in, model):
    opts = model._meta
    client = admin_client_logged_in
    assert client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")).status_code == 200
    assert client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_add")).status_code == 200
    obj = model.objects.first()
    assert obj is not None
    response = client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk]))
    assert response.status_code == 200


def test_unit_changelist_filters_and_searches(admin_client_logged_in):
    url = reverse("admin:orgunits_unit_changelist")
    response = admin_client_logged_in.get(url, {"q": "秘书四处"})
    assert response.status_code == 200
    assert "Secretariat Division 4" in response.content.decode()
    hengyang = Office.objects.get(slug="hengyang")
    response = admin_client_logged_in.get(url, {"kind__exact": "section", "office__id__exact": hengyang.pk})
    assert response.status_code == 200
    listed = response.context["cl"].result_list
    assert listed and all(unit.kind == "section" and unit.office_id == hengyang.pk for unit in listed)


def unit_form_data(unit, **changes):
    data = {
        "office": unit.office_id,
        "parent": unit.parent_id or "",
        "slug": unit.slug,
        "kind": unit.kind,
        "name_en": unit.name_en,
        "name_zh": unit.name_zh,
        "source_label": unit.source_label,
        "order": unit.order,
    }
    for prefix, related in (("duties", unit.duties.all()), ("portfolio", unit.portfolio.all())):
        rows = list(related)
        data.update({f"{prefix}-TOTAL_FORMS": len(rows), f"{prefix}-INITIAL_FORMS": len(rows),
                     f"{prefix}-MIN_NUM_FORMS": 0, f"{prefix}-MAX_NUM_FORMS": 1000})
        for index, row in enumerate(rows):
            data[f"{prefix}-{index}-id"] = row.pk
            data[f"{prefix}-{index}-unit"] = unit.pk
            data[f"{prefix}-{index}-order"] = row.order
            if prefix == "duties":
                data[f"{prefix}-{index}-text_en"] = row.text_en
                data[f"{prefix}-{index}-text_zh"] = row.text_zh
            else:
                data.update({f"{prefix}-{index}-subject": row.subject_id, f"{prefix}-{index}-scope_en": row.scope_en,
                             f"{prefix}-{index}-scope_zh": row.scope_zh, f"{prefix}-{index}-quote": row.quote})
    data.update(changes)
    return data


def test_moving_a_unit_under_its_own_descendant_is_refused(admin_client_logged_in):
    office_unit = Unit.objects.get(office__slug="shanxi", slug="research-office")
    child = Unit.objects.get(office__slug="shanxi", slug="research-division-1")
    url = reverse("admin:orgunits_unit_change", args=[office_unit.pk])
    response = admin_client_logged_in.post(url, unit_form_data(office_unit, parent=child.pk))
    assert response.status_code == 200
    assert "under itself or one of its own sub-units" in response.content.decode()
    office_unit.refresh_from_db()
    assert office_unit.parent.slug == "general-office"


def test_moving_a_unit_into_another_office_is_refused(admin_client_logged_in):
    unit = Unit.objects.get(office__slug="shanxi", slug="research-division-1")
    foreign = Unit.objects.get(office__slug="jilin", slug="general-office")
    url = reverse("admin:orgunits_unit_change", args=[unit.pk])
    response = admin_client_logged_in.post(url, unit_form_data(unit, parent=foreign.pk))
    assert "another office" in response.content.decode()


def test_a_move_through_the_admin_keeps_the_tree_consistent(admin_client_logged_in):
    unit = Unit.objects.get(office__slug="shanxi", slug="research-division-1")
    new_parent = Unit.objects.get(office__slug="shanxi", slug="emergency-management-office")
    url = reverse("admin:orgunits_unit_change", args=[unit.pk])
    response = admin_client_logged_in.post(url, unit_form_data(unit, parent=new_parent.pk, name_en="Moved"))
    assert response.status_code == 302
    unit.refresh_from_db()
    assert unit.parent == new_parent and unit.name_en == "Moved"
    before = tree_shapes()
    Unit.objects.rebuild()
    assert tree_shapes() == before


def tree_shapes():
    """Each unit's place as (pk, its tree's root, lft, rght, level).

    Trees are named by their root rather than by tree_id: a rebuild numbers the office roots
    in the database's order among equals, and that order is no part of a tree's consistency.
    """
    rows = list(Unit.objects.values_list("pk", "tree_id", "lft", "rght", "level"))
    roots = {tree: pk for pk, tree, lft, _, _ in rows if lft == 1}
    return sorted((pk, roots[tree], lft, rght, level) for pk, tree, lft, rght, level in rows)
