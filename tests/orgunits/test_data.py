"""The loaded data is the product: it must match the unit inventory and be complete in both languages."""
import csv
from pathlib import Path

import pytest
from django.conf import settings

from orgunits.models import Duty, Office, PortfolioEntry, Subject, Unit

pytestmark = pytest.mark.django_db
INVENTORY = Path(__file__).resolve().parent.parent / "data" / "units.csv"
SHARED_INVENTORY = Path(settings.BASE_DIR).parent / "shared" / "units.csv"


def inventory_rows():
    with open(INVENTORY, encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_vendored_inventory_matches_the_shared_one():
    if not SHARED_INVENTORY.exists():
        pytest.skip("the shared inventory is not beside this checkout")
    assert INVENTORY.read_text(encoding="utf-8") == SHARED_INVENTORY.read_text(encoding="utf-8")


def test_units_match_the_inventory_exactly():
    expected = {
        (row["office"], row["slug"]): (row["parent_slug"] or None, row["kind"], int(row["order"]))
        for row in inventory_rows()
    }
    actual = {
        (unit.office.slug, unit.slug): (unit.parent.slug if unit.parent else None, unit.kind, unit.order)
        for unit in Unit.objects.select_related("office", "parent")
    }
    assert actual == expected


def test_offices_match_the_inventory():
    assert sorted(Office.objects.values_list("slug", flat=True)) == sorted({r["office"] for r in inventory_rows()})


def test_each_office_is_one_tree_rooted_at_the_general_office():
    for office in Office.objects.all():
        roots = list(Unit.objects.filter(office=office, parent=None))
        assert [root.slug for root in roots] == ["general-office"]
        assert Unit.objects.filter(office=office).exclude(tree_id=roots[0].tree_id).count() == 0


def test_every_duty_is_bilingual_and_non_empty():
    assert Duty.objects.count() > 300
    for duty in Duty.objects.all():
        assert duty.text_en.strip() and duty.text_zh.strip(), duty.pk


# Units the sources name without a paragraph of their own: Shanxi's and Zhengzhou's documents start at
# the internal units (no list of the office's own responsibilities); Hunan's page only names its
# representative offices and managed agencies; Hengyang's foreign affairs office is described through
# its three sections, and its committees and securities office only by name and establishment.
NAMED_ONLY = {
    "shanxi/general-office", "zhengzhou/general-office",
    "hunan/beijing-office", "hunan/guangzhou-office", "hunan/shenzhen-office", "hunan/shanghai-office",
    "hunan/hainan-office", "hunan/legislative-affairs-office", "hunan/religious-affairs-bureau",
    "hunan/resettlement-development-bureau", "hunan/petitions-bureau",
    "hengyang/foreign-overseas-chinese-affairs-office", "hengyang/discipline-inspection",
    "hengyang/party-committee", "hengyang/trade-union", "hengyang/securities-management-office",
}


def test_units_with_a_paragraph_in_the_source_have_duties():
    without = {f"{unit.office.slug}/{unit.slug}" for unit in Unit.objects.select_related("office")
               if not unit.duties.exists()}
    assert without == NAMED_ONLY


def test_units_named_only_still_hold_their_subject():
    """A bureau the source only names is still routable by its subject."""
    for key in NAMED_ONLY - {"shanxi/general-office", "zhengzhou/general-office",
                             "hengyang/foreign-overseas-chinese-affairs-office"}:
        office, slug = key.split("/")
        assert PortfolioEntry.objects.filter(unit__office__slug=office, unit__slug=slug).exists(), key


def test_english_sources_keep_their_verbatim_labels():
    unit = Unit.objects.get(office__slug="shanxi", slug="secretariat-4")
    assert unit.source_label == "(4) Secretaries are everywhere."
    assert unit.name_zh == "秘书四处"


def test_every_portfolio_entry_names_a_bilingual_subject():
    assert PortfolioEntry.objects.count() > 150
    for entry in PortfolioEntry.objects.select_related("subject"):
        assert entry.subject.name_en.strip() and entry.subject.name_zh.strip()


def test_listed_subject_areas_are_portfolio_entries():
    def held(office, unit):
        return set(PortfolioEntry.objects.filter(unit__office__slug=office, unit__slug=unit).values_list(
            "subject__slug", flat=True))

    assert len(held("shanxi", "secretariat-3")) >= 25
    assert len(held("zhengzhou", "secretariat-8")) >= 13
    assert len(held("hengyang", "economic-affairs-section")) >= 18
    assert {"justice", "prisons"} <= held("shanxi", "secretariat-3")


def test_subjects_have_aliases_in_both_languages():
    for subject in Subject.objects.prefetch_related("aliases"):
        languages = {alias.language for alias in subject.aliases.all()}
        assert languages == {"en", "zh"}, subject.slug


def test_office_facts_from_the_sources():
    jilin = Office.objects.get(slug="jilin")
    assert jilin.document_number == "吉政办发〔2009〕64号"
    assert jilin.document_date.isoformat() == "2009-04-29"
    assert jilin.staffing_posts == 139
    assert jilin.other_names.filter(name_zh__contains="参事室").exists()
    assert Office.objects.get(slug="hengyang").staffing_posts == 75
    hunan = Office.objects.get(slug="hunan")
    assert "Xiangfu" in hunan.address_en and hunan.telephone
    # The numbered main responsibilities (13, 31 and 12 items) are the root's duties, one or more sentences each.
    for slug, items in (("jilin", 13), ("hengyang", 31), ("hunan", 12)):
        assert Duty.objects.filter(unit__office__slug=slug, unit__parent=None).count() >= items, slug


def test_transfers_name_the_receiving_body():
    hengyang = {t.body_en for t in Office.objects.get(slug="hengyang").transfers.filter(direction="out")}
    assert any("Letters and Calls" in body for body in hengyang)
    assert any("Personnel Bureau" in body for body in hengyang)
    assert Office.objects.get(slug="jilin").transfers.filter(direction="out", text_zh__contains="金融").exists()
