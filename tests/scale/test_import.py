"""Importing many offices writes in bulk and leaves every tree consistent."""
import copy

import pytest

from orgunits.models import Office, Unit
from orgunits.selectors import org_export
from orgunits.services import org_import, org_tree_faults
from tests.scale.conftest import SCALE_OFFICES, scale_data

pytestmark = pytest.mark.django_db


def test_many_offices_import_with_consistent_trees_and_round_trip():
    data = scale_data()
    stats = org_import(data=copy.deepcopy(data))
    assert stats["created"] >= SCALE_OFFICES
    assert org_tree_faults() == []
    slugs = [office["slug"] for office in data["offices"]]
    assert Office.objects.filter(slug__in=slugs).count() == SCALE_OFFICES
    exported = {office["slug"]: office for office in org_export()["offices"]}
    for office in data["offices"]:
        units = exported[office["slug"]]["units"]
        assert [unit["slug"] for unit in units] == [unit["slug"] for unit in office["units"]]
    assert org_import(data=copy.deepcopy(data)) == {"created": 0, "updated": 0, "deleted": 0}


def test_queries_do_not_grow_with_the_number_of_units(django_assert_max_num_queries):
    """Bulk writes per table, not per unit: only transfers (two or so per office) are written one by one.

    Writing row by row took about 130 queries per office.
    """
    with django_assert_max_num_queries(20 * SCALE_OFFICES):
        org_import(data=scale_data())


def test_reimport_with_moved_added_and_removed_units_keeps_trees_consistent():
    data = scale_data(6)
    org_import(data=copy.deepcopy(data))
    office = data["offices"][0]
    leaves = [u for u in office["units"] if not any(o["parent"] == u["slug"] for o in office["units"])]
    removed, moved = leaves[-1], leaves[0]
    office["units"].remove(removed)
    # Move a leaf under the last remaining leaf, and add a unit under it.
    target = [u for u in office["units"] if u is not moved and u["parent"] and u["slug"] != moved["slug"]][-1]
    office["units"].remove(moved)
    moved["parent"] = target["slug"]
    office["units"].append(moved)
    office["units"].append({**copy.deepcopy(moved), "slug": "added-unit", "parent": moved["slug"]})
    stats = org_import(data=copy.deepcopy(data))
    added = office["units"][-1]
    # Rows are counted: the unit with its duties and portfolio entries.
    assert stats["deleted"] == 1 + len(removed["duties"]) + len(removed["subjects"])
    assert stats["created"] == 1 + len(added["duties"]) + len(added["subjects"])
    assert org_tree_faults() == []
    unit = Unit.objects.get(office__slug=office["slug"], slug="added-unit")
    assert [a.slug for a in unit.get_ancestors()][-2:] == [target["slug"], moved["slug"]]
