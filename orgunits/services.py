"""Writes to the organisation data. Every write is atomic and keeps the mptt trees consistent."""
import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from orgunits.interchange import read_fixture_dir, text_language, validate_org_data
from orgunits.models import Duty, Office, OfficeName, PortfolioEntry, Subject, SubjectAlias, Transfer, Unit

OFFICE_FIELDS = (
    "name_en",
    "name_zh",
    "level",
    "source_file",
    "source_language",
    "document_title_en",
    "document_title_zh",
    "document_number",
    "address_en",
    "address_zh",
    "telephone",
    "staffing_posts",
    "staffing_en",
    "staffing_zh",
)
UNIT_FIELDS = ("kind", "name_en", "name_zh", "source_label")


def org_load_fixtures(*, directory):
    """Load every fixture file in `directory`; see `org_import`."""
    return org_import(data=read_fixture_dir(directory))


@transaction.atomic
def org_import(*, data):
    """Make the database hold exactly `data` (interchange shape) for the offices and subjects it names.

    Validates everything first, so a broken file writes nothing. Rows are matched by slug and
    only changed where they differ, so importing the same data twice changes nothing.
    Units of a named office that the data no longer lists are deleted.
    Returns counts of what was created, updated and deleted.
    """
    validate_org_data(data)
    stats = {"created": 0, "updated": 0, "deleted": 0}
    subjects = _sync_subjects(data["subjects"], stats)
    with Unit.objects.disable_mptt_updates():
        for position, office_data in enumerate(data["offices"], start=1):
            _sync_office(office_data, position, subjects, stats)
    if stats["created"] or stats["updated"] or stats["deleted"]:
        Unit.objects.rebuild()
    org_data_changed()
    return stats


def org_data_changed():
    """Tell every process that the organisation data changed (the routing index listens)."""
    from routing.services import routing_index_invalidate

    routing_index_invalidate()


def _save_if_changed(instance, values, stats):
    changed = [field for field, value in values.items() if getattr(instance, field) != value]
    if instance.pk is None:
        for field, value in values.items():
            setattr(instance, field, value)
        instance.save()
        stats["created"] += 1
    elif changed:
        for field in changed:
            setattr(instance, field, values[field])
        instance.save()
        stats["updated"] += 1
    return instance


def _sync_subjects(subjects_data, stats):
    existing = {subject.slug: subject for subject in Subject.objects.all()}
    for item in subjects_data:
        subject = existing.get(item["slug"]) or Subject(slug=item["slug"])
        existing[item["slug"]] = _save_if_changed(
            subject, {"name_en": item["name_en"], "name_zh": item["name_zh"]}, stats
        )
    for item in subjects_data:
        subject = existing[item["slug"]]
        parent = existing[item["parent"]] if item.get("parent") else None
        _save_if_changed(subject, {"parent_id": parent.pk if parent else None}, stats)
        current = list(subject.aliases.order_by("id").values_list("text", flat=True))
        if current != item["aliases"]:
            subject.aliases.all().delete()
            SubjectAlias.objects.bulk_create(
                SubjectAlias(subject=subject, text=text, language=text_language(text)) for text in item["aliases"]
            )
            stats["updated"] += 1
    return existing


def _sync_office(data, position, subjects, stats):
    office = Office.objects.filter(slug=data["slug"]).first() or Office(slug=data["slug"])
    values = {field: data.get(field) for field in OFFICE_FIELDS}
    values["order"] = position
    values["document_date"] = (
        datetime.date.fromisoformat(data["document_date"]) if data.get("document_date") else None
    )
    _save_if_changed(office, values, stats)

    _sync_list(
        office.other_names.all(),
        [(name["name_en"], name["name_zh"], name["quote"]) for name in data["other_names"]],
        lambda row: (row.name_en, row.name_zh, row.quote),
        lambda order, item: OfficeName(office=office, order=order, name_en=item[0], name_zh=item[1], quote=item[2]),
        stats,
    )

    units = {unit.slug: unit for unit in office.units.all()}
    siblings = {}
    for unit_data in data["units"]:
        parent = units[unit_data["parent"]] if unit_data["parent"] else None
        order = siblings[unit_data["parent"]] = siblings.get(unit_data["parent"], 0) + 1
        unit = units.get(unit_data["slug"]) or Unit(office=office, slug=unit_data["slug"])
        values = {field: unit_data[field] for field in UNIT_FIELDS}
        values.update(parent_id=parent.pk if parent else None, order=order)
        units[unit.slug] = _save_if_changed(unit, values, stats)
        _sync_unit_content(unit, unit_data, subjects, stats)
    listed = {unit_data["slug"] for unit_data in data["units"]}
    stale = [unit for slug, unit in units.items() if slug not in listed]
    for unit in sorted(stale, key=lambda unit: -unit.level):
        unit.duties.all().delete()
        unit.portfolio.all().delete()
        unit.delete()
        stats["deleted"] += 1

    transfers = [
        (t["direction"], t["text_en"], t["text_zh"], t["quote"], t["body_en"], t["body_zh"], tuple(t["subjects"]))
        for t in data["transfers"]
    ]
    current = [
        (t.direction, t.text_en, t.text_zh, t.quote, t.body_en, t.body_zh, tuple(s.slug for s in t.subjects.all()))
        for t in office.transfers.order_by("order", "id").prefetch_related("subjects")
    ]
    if current != transfers:
        office.transfers.all().delete()
        for order, item in enumerate(transfers, start=1):
            transfer = Transfer.objects.create(
                office=office,
                order=order,
                direction=item[0],
                text_en=item[1],
                text_zh=item[2],
                quote=item[3],
                body_en=item[4],
                body_zh=item[5],
            )
            transfer.subjects.set([subjects[slug] for slug in item[6]])
        stats["updated"] += 1


def _sync_unit_content(unit, data, subjects, stats):
    _sync_list(
        unit.duties.all(),
        [(duty["text_en"], duty["text_zh"]) for duty in data["duties"]],
        lambda duty: (duty.text_en, duty.text_zh),
        lambda order, item: Duty(unit=unit, order=order, text_en=item[0], text_zh=item[1]),
        stats,
    )
    _sync_list(
        unit.portfolio.all(),
        [(entry["slug"], entry["scope_en"], entry["scope_zh"], entry["quote"]) for entry in data["subjects"]],
        lambda entry: (entry.subject.slug, entry.scope_en, entry.scope_zh, entry.quote),
        lambda order, item: PortfolioEntry(
            unit=unit, subject=subjects[item[0]], order=order, scope_en=item[1], scope_zh=item[2], quote=item[3]
        ),
        stats,
    )


def _sync_list(queryset, wanted, key, build, stats):
    """Replace an ordered child list only when it differs from `wanted`."""
    current = [key(row) for row in queryset.order_by("order", "id").select_related()]
    if current == wanted:
        return
    queryset.delete()
    queryset.model.objects.bulk_create(build(order, item) for order, item in enumerate(wanted, start=1))
    stats["updated"] += 1


# Tree edits --------------------------------------------------------------------------------


@transaction.atomic
def unit_move(*, unit, new_parent):
    """Move `unit` under `new_parent` (placed by its `order`), refusing moves that would break the tree."""
    _lock_office_tree(unit.office_id)
    unit.refresh_from_db()
    new_parent.refresh_from_db()
    unit_check_parent(unit=unit, parent=new_parent)
    unit.parent = new_parent
    unit.save()
    org_data_changed()
    return unit


def unit_check_parent(*, unit, parent):
    """Raise ValidationError when `parent` cannot hold `unit` (root, cycle or another office)."""
    if unit.pk and unit.parent_id is None and parent is not None:
        raise ValidationError(_("The root unit of an office cannot be moved under another unit."))
    if parent is None:
        if unit.pk is None or unit.parent_id is not None:
            raise ValidationError(_("Every unit except the office's root needs a parent unit."))
        return
    if parent.office_id != unit.office_id:
        raise ValidationError(_("A unit cannot be moved into another office."))
    if unit.pk and (parent.pk == unit.pk or parent.is_descendant_of(unit)):
        raise ValidationError(_("A unit cannot be placed under itself or one of its own sub-units."))


def _lock_office_tree(office_id):
    """Serialise tree writes per office: mptt rewrites many rows' lft/rght on every move."""
    Office.objects.select_for_update().filter(pk=office_id).first()
