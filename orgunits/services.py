"""Writes to the organisation data. Every write is atomic and keeps the mptt trees consistent."""
import datetime
from collections import Counter

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Max
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from orgunits.interchange import (
    OFFICE_FACT_FIELDS,
    OrgDataError,
    read_fixture_dir,
    text_language,
    validate_org_data,
)
from orgunits.models import (
    TREE_FIELDS,
    Duty,
    Office,
    OfficeName,
    PortfolioEntry,
    Subject,
    SubjectAlias,
    Transfer,
    Unit,
)
from orgunits.validators import SLUG_RE

# The office's own columns; document_date is parsed from text separately.
OFFICE_FIELDS = ("name_en", "name_zh", *(field for field in OFFICE_FACT_FIELDS if field != "document_date"))
UNIT_FIELDS = ("kind", "name_en", "name_zh", "source_label")
IMPORT_REASON = "organisation data import"


def org_load_fixtures(*, directory):
    """Load every fixture file in `directory`; see `org_import`."""
    try:
        data = read_fixture_dir(directory)
    except ValueError as exc:  # e.g. a NUL in the path, which no file system accepts
        raise OrgDataError([f"{str(directory)!r}: cannot be read: {exc}"]) from exc
    return org_import(data=data)


@transaction.atomic
def org_import(*, data):
    """Make the database hold exactly `data` (interchange shape) for the offices and subjects it names.

    Validates everything first, so a broken file writes nothing. Rows are matched by slug and
    only changed where they differ, so importing the same data twice changes nothing.
    Units of a named office that the data no longer lists are deleted.
    Returns counts of what was created, updated and deleted.
    """
    _validate(data)
    # The rebuild below rewrites every tree: keep concurrent tree edits out until this commits.
    _lock_office_trees(Office.objects.values_list("pk", flat=True))
    stats = {"created": 0, "updated": 0, "deleted": 0}
    subjects = _sync_subjects(data["subjects"], stats)
    with Unit.objects.disable_mptt_updates():
        trees_to_rebuild = _sync_offices(data["offices"], subjects, stats)
    _rebuild_office_trees(trees_to_rebuild)
    _flush_search_indexes()
    org_data_changed()
    return stats


# The trigram indexes of migration 0006 over duty sentences (PostgreSQL only).
SEARCH_INDEXES = ("orgunits_duty_text_en_upper_trgm", "orgunits_duty_text_zh_upper_trgm")


def _flush_search_indexes():
    """Move the rows an import added to the search indexes out of their pending lists.

    A GIN index takes new rows into a pending list that every search reads through until vacuum
    merges it. After a bulk import of 400 offices that list made each search take about 340 ms
    instead of 130 ms, for as long as autovacuum took to come round; merging it takes 0.1 s.
    """
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for index in SEARCH_INDEXES:
            cursor.execute("SELECT gin_clean_pending_list(%s::regclass)", [index])


def _validate(data):
    """The interchange checks plus the database's column limits; every fault becomes an OrgDataError."""
    try:
        validate_org_data(data)
    except OrgDataError:
        raise
    except (TypeError, ValueError, AttributeError, KeyError) as exc:
        # The validator expects slugs to be text; a list or object in their place must still be
        # refused with a message rather than a traceback.
        raise OrgDataError(
            [f"the data has an unexpected shape ({exc}): is a slug, parent or subject a list or an object?"]
        ) from exc
    problems = []
    for office in data["offices"]:
        where = f"{office.get('_source', 'offices')}: office {office['slug']!r}"
        _check_lengths(problems, where, office, Office)
        for index, name in enumerate(office["other_names"]):
            _check_lengths(problems, f"{where}, other_names[{index}]", name, OfficeName)
        for unit in office["units"]:
            _check_lengths(problems, f"{where}, unit {unit['slug']!r}", unit, Unit)
            for index, entry in enumerate(unit["subjects"]):
                _check_lengths(problems, f"{where}, unit {unit['slug']!r}, subjects[{index}]", entry, PortfolioEntry)
        for index, transfer in enumerate(office["transfers"]):
            _check_lengths(problems, f"{where}, transfers[{index}]", transfer, Transfer)
    for subject in data["subjects"]:
        _check_lengths(problems, f"{subject.get('_source', 'subjects')}: subject {subject['slug']!r}", subject, Subject)
    if problems:
        raise OrgDataError(problems)


def _check_lengths(problems, where, record, model):
    """PostgreSQL refuses text longer than a column (SQLite does not): say so before writing."""
    for field in model._meta.concrete_fields:
        value = record.get(field.name)
        if field.max_length and isinstance(value, str) and len(value) > field.max_length:
            problems.append(f"{where}: '{field.name}' is longer than {field.max_length} characters")


def org_data_changed():
    """Tell every process that the organisation data changed (the routing index listens)."""
    from routing.services import routing_index_invalidate

    routing_index_invalidate()


def _sync_subjects(subjects_data, stats):
    """Bring the taxonomy to `subjects_data` in bulk, counting as a row-by-row sync would."""
    existing = {subject.slug: subject for subject in Subject.objects.all()}
    new, renamed = [], []
    for item in subjects_data:
        names = {"name_en": item["name_en"], "name_zh": item["name_zh"]}
        subject = existing.get(item["slug"])
        if subject is None:
            subject = existing[item["slug"]] = Subject(slug=item["slug"], **names)
            new.append(subject)
        elif any(getattr(subject, field) != value for field, value in names.items()):
            for field, value in names.items():
                setattr(subject, field, value)
            renamed.append(subject)
    _bulk_create(new, Subject, stats)
    _bulk_update(renamed, Subject, ["name_en", "name_zh"], stats)
    # Parents second: a new subject's parent may be created in the same import.
    moved = []
    for item in subjects_data:
        subject = existing[item["slug"]]
        parent_id = existing[item["parent"]].pk if item.get("parent") else None
        if subject.parent_id != parent_id:
            subject.parent_id = parent_id
            moved.append(subject)
    _bulk_update(moved, Subject, ["parent_id"], stats)
    _sync_child_lists(
        SubjectAlias,
        "subject_id",
        SubjectAlias.objects.values_list("subject_id", "text"),
        {existing[item["slug"]].pk: [(text,) for text in item["aliases"]] for item in subjects_data},
        lambda subject_id, order, item: SubjectAlias(
            subject_id=subject_id, text=item[0], language=text_language(item[0])
        ),
        stats,
        ordering=("id",),
    )
    return existing


def _sync_offices(offices_data, subjects, stats):
    """Bring every named office, its units and their content to `offices_data`, in bulk.

    Reads each table once for all the named offices, compares in memory and writes only the
    differences with bulk queries (history rows included), so the cost grows with the data
    rather than with round trips per unit. Counts as the row-by-row sync did: one per office or
    unit created or changed, one per child list (other names, duties, portfolio, transfers)
    replaced. Returns the offices whose unit trees need rebuilding.
    """
    slugs = [data["slug"] for data in offices_data]
    offices = {office.slug: office for office in Office.objects.filter(slug__in=slugs)}
    new_offices, changed_offices, changed_fields = [], [], set()
    for position, data in enumerate(offices_data, start=1):
        values = {field: data.get(field) for field in OFFICE_FIELDS}
        values["order"] = position
        values["document_date"] = (
            datetime.date.fromisoformat(data["document_date"]) if data.get("document_date") else None
        )
        office = offices.get(data["slug"])
        if office is None:
            office = offices[data["slug"]] = Office(slug=data["slug"], **values)
            new_offices.append(office)
            continue
        changed = [field for field, value in values.items() if getattr(office, field) != value]
        if changed:
            for field in changed:
                setattr(office, field, values[field])
            changed_offices.append(office)
            changed_fields.update(changed)
    _bulk_create(new_offices, Office, stats)
    _bulk_update(changed_offices, Office, changed_fields, stats)
    office_ids = [office.pk for office in offices.values()]

    _sync_child_lists(
        OfficeName,
        "office_id",
        OfficeName.objects.filter(office_id__in=office_ids).values_list("office_id", "name_en", "name_zh", "quote"),
        {
            offices[data["slug"]].pk: [
                (name["name_en"], name["name_zh"], name["quote"]) for name in data["other_names"]
            ]
            for data in offices_data
        },
        lambda office_id, order, item: OfficeName(
            office_id=office_id, order=order, name_en=item[0], name_zh=item[1], quote=item[2]
        ),
        stats,
    )
    units, trees_to_rebuild = _sync_units(offices_data, offices, stats)
    _sync_child_lists(
        Duty,
        "unit_id",
        Duty.objects.filter(unit__office_id__in=office_ids).values_list("unit_id", "text_en", "text_zh"),
        {
            units[data["slug"], unit["slug"]].pk: [(duty["text_en"], duty["text_zh"]) for duty in unit["duties"]]
            for data in offices_data
            for unit in data["units"]
        },
        lambda unit_id, order, item: Duty(unit_id=unit_id, order=order, text_en=item[0], text_zh=item[1]),
        stats,
    )
    _sync_child_lists(
        PortfolioEntry,
        "unit_id",
        PortfolioEntry.objects.filter(unit__office_id__in=office_ids).values_list(
            "unit_id", "subject__slug", "scope_en", "scope_zh", "quote"
        ),
        {
            units[data["slug"], unit["slug"]].pk: [
                (entry["slug"], entry["scope_en"], entry["scope_zh"], entry["quote"]) for entry in unit["subjects"]
            ]
            for data in offices_data
            for unit in data["units"]
        },
        lambda unit_id, order, item: PortfolioEntry(
            unit_id=unit_id, subject=subjects[item[0]], order=order, scope_en=item[1], scope_zh=item[2], quote=item[3]
        ),
        stats,
    )
    _sync_transfers(offices_data, offices, subjects, stats)
    return trees_to_rebuild


def _bulk_create(objects, model, stats):
    if objects:
        bulk_create_with_history(objects, model, default_change_reason=IMPORT_REASON)
        stats["created"] += len(objects)
        for instance in objects:
            instance._created_by_import = True


def _bulk_update(objects, model, fields, stats):
    """Write changed rows; a row created earlier in the same import counts as created only."""
    if objects:
        bulk_update_with_history(objects, model, sorted(fields), default_change_reason=IMPORT_REASON)
        stats["updated"] += sum(1 for instance in objects if not getattr(instance, "_created_by_import", False))


def _sync_units(offices_data, offices, stats):
    """Create, change and delete units; returns `{(office slug, unit slug): unit}` and the offices to rebuild.

    Each unit's tree fields are worked out here from the parent links and sibling order, as
    django-mptt numbers them, and written with the unit, so that a new office's tree needs no
    rebuild (mptt's rebuild writes row by row through `bulk_update`: about 40 ms per office).
    Offices that lost units are returned for a rebuild, since deleting a node renumbers its tree.
    """
    office_ids = [office.pk for office in offices.values()]
    existing, tree_of_office = {}, {}
    for unit in Unit.objects.filter(office_id__in=office_ids):
        existing[unit.office_id, unit.slug] = unit
        tree_of_office.setdefault(unit.office_id, unit.tree_id)
    next_tree_id = (Unit.objects.aggregate(top=Max("tree_id"))["top"] or 0) + 1
    units = {}
    new_by_depth, changed, changed_fields, renumbered = {}, [], set(), []
    for data in offices_data:
        office = offices[data["slug"]]
        tree_id = tree_of_office.get(office.pk)
        if tree_id is None:
            tree_id, next_tree_id = next_tree_id, next_tree_id + 1
        numbering = _tree_numbering(data["units"])
        siblings = {}
        for unit_data in data["units"]:
            parent_slug = unit_data["parent"]
            order = siblings[parent_slug] = siblings.get(parent_slug, 0) + 1
            parent = units[data["slug"], parent_slug] if parent_slug else None
            values = {field: unit_data[field] for field in UNIT_FIELDS}
            values["order"] = order
            tree = dict(zip(("lft", "rght", "level"), numbering[unit_data["slug"]], strict=True), tree_id=tree_id)
            unit = existing.get((office.pk, unit_data["slug"]))
            if unit is None:
                unit = Unit(office=office, slug=unit_data["slug"], parent=parent, **values, **tree)
                new_by_depth.setdefault(tree["level"], []).append(unit)
            else:
                values["parent_id"] = parent.pk if parent else None
                fields = [field for field, value in values.items() if getattr(unit, field) != value]
                moved = [field for field, value in tree.items() if getattr(unit, field) != value]
                for field in (*fields, *moved):
                    setattr(unit, field, values.get(field, tree.get(field)))
                if fields:
                    changed.append(unit)
                    changed_fields.update(fields, moved)
                elif moved:
                    renumbered.append(unit)
            units[data["slug"], unit_data["slug"]] = unit
    # Parents before children: a new unit's parent has its primary key by the time it is written.
    for depth in sorted(new_by_depth):
        for unit in new_by_depth[depth]:
            unit.parent_id = unit.parent.pk if unit.parent else None
        _bulk_create(new_by_depth[depth], Unit, stats)
    _bulk_update(changed, Unit, changed_fields, stats)
    if renumbered:
        # Position only: mptt's bookkeeping, which the history leaves out (see TREE_FIELDS).
        Unit.objects.bulk_update(renumbered, TREE_FIELDS)
    slug_of = {office.pk: slug for slug, office in offices.items()}
    stale = [unit for (office_id, slug), unit in existing.items() if (slug_of[office_id], slug) not in units]
    for unit in sorted(stale, key=lambda unit: -unit.level):
        stats["deleted"] += 1 + unit.duties.count() + unit.portfolio.count()
        unit.duties.all().delete()
        unit.portfolio.all().delete()
        unit.delete()
    lost_units = {unit.office_id for unit in stale}
    return units, [office for office in offices.values() if office.pk in lost_units]


def _tree_numbering(units_data):
    """`{slug: (lft, rght, level)}` of one office's units, listed parents first in sibling order."""
    children = {}
    for unit in units_data:
        children.setdefault(unit["parent"], []).append(unit["slug"])
    numbering, counter = {}, 0
    stack = [(slug, 0, False) for slug in reversed(children.get(None, []))]
    while stack:
        slug, level, done = stack.pop()
        counter += 1
        if done:
            left, _right, level = numbering[slug]
            numbering[slug] = (left, counter, level)
            continue
        numbering[slug] = (counter, None, level)
        stack.append((slug, level, True))
        stack.extend((child, level + 1, False) for child in reversed(children.get(slug, [])))
    return numbering


def _sync_child_lists(model, owner_field, current_rows, wanted, build, stats, ordering=("order", "id")):
    """Replace each owner's ordered child list (e.g. a unit's duties) only where it differs from `wanted`.

    `current_rows` are `(owner id, *compared values)` tuples; `wanted` maps owner id to the list of
    compared values in order. Differing lists are deleted and recreated, all owners at once.
    """
    current = {}
    for owner_id, *values in current_rows.order_by(owner_field, *ordering):
        current.setdefault(owner_id, []).append(tuple(values))
    replaced = [owner_id for owner_id, items in wanted.items() if current.get(owner_id, []) != items]
    if not replaced:
        return
    stale = [owner_id for owner_id in replaced if owner_id in current]
    if stale:
        model.objects.filter(**{f"{owner_field}__in": stale}).delete()
    bulk_create_with_history(
        [build(owner_id, order, item) for owner_id in replaced for order, item in enumerate(wanted[owner_id], start=1)],
        model,
        default_change_reason=IMPORT_REASON,
    )
    for owner_id in replaced:
        _count_replaced(stats, current.get(owner_id, []), wanted[owner_id])


def _sync_transfers(offices_data, offices, subjects, stats):
    """Replace an office's transfers where they differ (few per office, so row by row)."""
    current = {}
    for transfer in (
        Transfer.objects.filter(office__in=list(offices.values()))
        .order_by("order", "id")
        .prefetch_related("subjects")
    ):
        current.setdefault(transfer.office_id, []).append(
            (transfer.direction, transfer.text_en, transfer.text_zh, transfer.quote, transfer.body_en,
             transfer.body_zh, tuple(sorted(subject.slug for subject in transfer.subjects.all())))
        )
    for data in offices_data:
        office = offices[data["slug"]]
        # A transfer's subjects are a set: compare them sorted, as the export writes them.
        transfers = [
            (t["direction"], t["text_en"], t["text_zh"], t["quote"], t["body_en"], t["body_zh"],
             tuple(sorted(t["subjects"])))
            for t in data["transfers"]
        ]
        if current.get(office.pk, []) == transfers:
            continue
        office.transfers.all().delete()
        for order, item in enumerate(transfers, start=1):
            transfer = Transfer(
                office=office,
                order=order,
                direction=item[0],
                text_en=item[1],
                text_zh=item[2],
                quote=item[3],
                body_en=item[4],
                body_zh=item[5],
            )
            transfer._change_reason = IMPORT_REASON
            transfer.save()
            transfer.subjects.set([subjects[slug] for slug in item[6]])
        _count_replaced(stats, current.get(office.pk, []), transfers)


def _count_replaced(stats, current, wanted):
    """Count a child list replaced by `wanted`: a row that changed is one update, not a delete and a create."""
    added = sum((Counter(wanted) - Counter(current)).values())
    removed = sum((Counter(current) - Counter(wanted)).values())
    changed = min(added, removed)
    if not added and not removed:  # the same rows in a new order
        changed = sum(1 for old, new in zip(current, wanted, strict=True) if old != new)
    stats["updated"] += changed
    stats["created"] += added - min(added, removed)
    stats["deleted"] += removed - min(added, removed)


def _rebuild_office_trees(offices):
    """Recompute the mptt fields of each office's tree from its parent links: one rebuild per office."""
    for office in offices:
        tree_ids = set(Unit.objects.filter(office=office).values_list("tree_id", flat=True))
        if not tree_ids:
            continue
        tree_id = min(tree_ids)
        if len(tree_ids) > 1:
            Unit.objects.filter(office=office).update(tree_id=tree_id)
        Unit.objects.rebuild(tree_id=tree_id, office_id=office.pk)


# Tree edits --------------------------------------------------------------------------------
# Every write that changes a tree takes the office's lock first: django-mptt renumbers many rows'
# lft/rght on each insert or move, and two such writes interleaving corrupt the tree.


@transaction.atomic
def unit_move(*, unit, new_parent):
    """Move `unit` under `new_parent` (placed by its `order`), refusing moves that would break the tree."""
    _lock_office_tree(unit.office_id)
    # Fresh rows, read under the lock: mptt decides whether a save is a move by comparing with the
    # parent it saw when the instance was loaded, and the caller's copy may predate another move.
    current = Unit.objects.get(pk=unit.pk)
    parent = Unit.objects.get(pk=new_parent.pk)
    unit_check_parent(unit=current, parent=parent)
    current.parent = parent
    current.save()
    _reload(unit)
    _reload(new_parent)
    org_data_changed()
    return unit


@transaction.atomic
def unit_create(*, office, parent, slug, kind, name_en, name_zh, source_label="", order=0):
    """Add a unit under `parent` in `office`'s tree and return it."""
    unit = Unit(
        office=office,
        parent=parent,
        slug=slug,
        kind=kind,
        name_en=name_en,
        name_zh=name_zh,
        source_label=source_label,
        order=order,
    )
    return unit_save(unit=unit)


@transaction.atomic
def unit_save(*, unit):
    """Save a new or edited unit, moving it in its office's tree when its parent or order changed.

    The saved row is re-read under the office's lock, so an edit made from a page loaded before
    someone else moved units never writes stale tree positions. Raises ValidationError when the
    parent cannot hold the unit or the unit would change office.
    """
    _lock_office_tree(unit.office_id)
    _unit_validate(unit)
    current = Unit.objects.filter(pk=unit.pk).first() if unit.pk else None
    if unit.parent_id is not None:
        parent = Unit.objects.filter(pk=unit.parent_id).first()
        if parent is None:
            raise ValidationError(_("The parent unit no longer exists."))
    else:
        parent = None
    if current is None:
        # A new unit (or one a history revert brings back): mptt inserts it at its place.
        unit_check_parent(unit=unit, parent=parent)
        unit._state.adding = True
        unit.parent = parent
        unit.save()
    else:
        if current.office_id != unit.office_id:
            raise ValidationError(_("A unit cannot be moved into another office."))
        unit_check_parent(unit=current, parent=parent)
        # Apply the edit to the freshly read row: mptt compares it with the database's parent and
        # order, and moves the node when they changed.
        for field in Unit._meta.concrete_fields:
            if not field.primary_key and field.name not in TREE_FIELDS:
                setattr(current, field.attname, getattr(unit, field.attname))
        current.parent = parent
        for attribute in ("_history_user", "_change_reason"):
            if hasattr(unit, attribute):
                setattr(current, attribute, getattr(unit, attribute))
        current.save()
        _reload(unit)
    org_data_changed()
    return unit


def _unit_validate(unit):
    """The admin's checks (slug form, no control characters, a slug unique in its office), so that
    no door stores what export or import would refuse. Raises ValidationError."""
    errors = {}
    for name in ("slug", "name_en", "name_zh", "source_label"):
        try:
            Unit._meta.get_field(name).run_validators(getattr(unit, name))
        except ValidationError as exc:
            errors[name] = exc.messages
    if errors:
        raise ValidationError(errors)
    unit.validate_constraints()


def _reload(unit):
    """Bring the caller's copy up to date, including what mptt remembers of its parent and order."""
    unit.refresh_from_db()
    unit._state.adding = False
    Unit._mptt_meta.update_mptt_cached_fields(unit)


@transaction.atomic
def unit_delete(*, unit, with_content=False):
    """Delete a unit that has no sub-units; its duties and portfolio entries only when `with_content`.

    Nothing is cascaded silently: a unit with sub-units is refused (move or delete them first),
    and one that still holds duties or portfolio entries is refused unless the caller confirmed.
    """
    _lock_office_tree(unit.office_id)
    current = Unit.objects.filter(pk=unit.pk).first()
    if current is None:
        return
    problem = unit_delete_problem(unit=current, with_content=with_content)
    if problem:
        raise ValidationError(problem)
    current.duties.all().delete()
    current.portfolio.all().delete()
    current.delete()
    org_data_changed()


def unit_delete_problem(*, unit, with_content=False):
    """Why `unit` may not be deleted as asked, or None."""
    if unit.parent_id is None:
        return _("%(unit)s is the root of its office and cannot be deleted.") % {"unit": unit.name_en}
    children = unit.get_children().count()
    if children:
        return _("%(unit)s has %(count)d sub-units: move or delete them first.") % {
            "unit": unit.name_en,
            "count": children,
        }
    if not with_content:
        duties, entries = unit.duties.count(), unit.portfolio.count()
        if duties or entries:
            return _(
                "%(unit)s still has %(duties)d duties and %(entries)d portfolio entries; "
                "confirm that they are to be deleted with it."
            ) % {"unit": unit.name_en, "duties": duties, "entries": entries}
    return None


def unit_check_parent(*, unit, parent):
    """Raise ValidationError when `parent` cannot hold `unit` (root, cycle or another office)."""
    if unit.pk and unit.parent_id is None and parent is not None:
        raise ValidationError(_("The root unit of an office cannot be moved under another unit."))
    if parent is None:
        if unit.pk is None or unit.parent_id is not None:
            if unit.pk is None and not Unit.objects.filter(office_id=unit.office_id).exists():
                return  # the first unit of a new office is its root
            raise ValidationError(_("Every unit except the office's root needs a parent unit."))
        return
    if parent.office_id != unit.office_id:
        raise ValidationError(_("A unit cannot be moved into another office."))
    if unit.pk and (parent.pk == unit.pk or parent.is_descendant_of(unit)):
        raise ValidationError(_("A unit cannot be placed under itself or one of its own sub-units."))


def _lock_office_tree(office_id):
    """Serialise tree writes per office: mptt rewrites many rows' lft/rght on every move."""
    Office.objects.select_for_update().filter(pk=office_id).first()


def _lock_office_trees(office_ids):
    """Lock several offices' trees, in id order so that two callers cannot deadlock."""
    list(Office.objects.select_for_update().filter(pk__in=list(office_ids)).order_by("pk").values_list("pk"))


# Tree checks -------------------------------------------------------------------------------

MAX_FAULTS_SHOWN = 5


def org_tree_faults():
    """Everything wrong with the stored trees, as readable sentences naming office and unit.

    Checks, for every office: exactly one root; every unit in that root's tree and no other
    office's units in it; parents in the same office; valid, unique slugs; and the mptt fields
    (lft, rght, level) equal to what the parent links and sibling order imply. Read-only.
    """
    faults = []
    offices = {office.pk: office.slug for office in Office.objects.order_by("order", "slug")}
    units = list(
        Unit.objects.order_by("office_id", "tree_id", "lft").values(
            "pk", "office_id", "parent_id", "slug", "order", *TREE_FIELDS
        )
    )
    by_pk = {unit["pk"]: unit for unit in units}
    children = {}
    for unit in units:
        children.setdefault(unit["parent_id"], []).append(unit)
    tree_owner = {}
    for office_id, office_slug in offices.items():
        members = [unit for unit in units if unit["office_id"] == office_id]
        roots = [unit for unit in members if unit["parent_id"] is None]
        where = _("office %(office)s") % {"office": office_slug}
        if not members:
            faults.append(_("%(where)s: has no units") % {"where": where})
            continue
        if len(roots) != 1:
            faults.append(
                _("%(where)s: expected one root unit, found %(count)d (%(slugs)s)")
                % {"where": where, "count": len(roots), "slugs": ", ".join(r["slug"] for r in roots) or "none"}
            )
        seen_slugs = set()
        for unit in members:
            if not SLUG_RE.match(unit["slug"] or ""):
                faults.append(
                    _("%(where)s: unit %(slug)r has an invalid slug") % {"where": where, "slug": unit["slug"]}
                )
            if unit["slug"] in seen_slugs:
                faults.append(_("%(where)s: slug %(slug)r is used twice") % {"where": where, "slug": unit["slug"]})
            seen_slugs.add(unit["slug"])
            parent = by_pk.get(unit["parent_id"])
            if unit["parent_id"] is not None and (parent is None or parent["office_id"] != office_id):
                faults.append(
                    _("%(where)s: unit %(slug)s has a parent in another office")
                    % {"where": where, "slug": unit["slug"]}
                )
        for tree_id in sorted({unit["tree_id"] for unit in members}):
            owner = tree_owner.setdefault(tree_id, office_slug)
            if owner != office_slug:
                faults.append(
                    _("%(where)s: shares tree %(tree)d with office %(other)s")
                    % {"where": where, "tree": tree_id, "other": owner}
                )
        if len(roots) == 1:
            faults.extend(_nested_set_faults(where, roots[0], members, children))
    return faults


def _nested_set_faults(where, root, members, children):
    """Compare each unit's lft/rght/level/tree_id with a walk of the parent links from the root."""
    faults = []
    expected = {}
    counter = 0
    stack = [(root, 0, False)]
    visiting = set()
    while stack:
        unit, level, done = stack.pop()
        if done:
            counter += 1
            expected[unit["pk"]]["rght"] = counter
            continue
        if unit["pk"] in visiting:
            continue
        visiting.add(unit["pk"])
        counter += 1
        expected[unit["pk"]] = {"lft": counter, "level": level, "tree_id": root["tree_id"]}
        stack.append((unit, level, True))
        # Siblings in source order (the slug breaks ties, as in MPTTMeta); the numbering must agree.
        siblings = sorted(children.get(unit["pk"], []), key=lambda child: (child["order"], child["slug"]))
        for child in reversed(siblings):
            stack.append((child, level + 1, False))
    mismatched = []
    for unit in members:
        want = expected.get(unit["pk"])
        if want is None:
            faults.append(
                _("%(where)s: unit %(slug)s is not reachable from the root (a parent cycle?)")
                % {"where": where, "slug": unit["slug"]}
            )
            continue
        got = {field: unit[field] for field in want}
        if got != want:
            wrong = ", ".join(
                f"{field} {got[field]} (expected {want[field]})" for field in want if got[field] != want[field]
            )
            mismatched.append(
                _("%(where)s: unit %(slug)s has inconsistent tree fields: %(wrong)s")
                % {"where": where, "slug": unit["slug"], "wrong": wrong}
            )
    # One misplaced node shifts every node after it; name the first few, count the rest.
    faults.extend(mismatched[:MAX_FAULTS_SHOWN])
    if len(mismatched) > MAX_FAULTS_SHOWN:
        faults.append(
            _("%(where)s: … and %(count)d more units with inconsistent tree fields")
            % {"where": where, "count": len(mismatched) - MAX_FAULTS_SHOWN}
        )
    return faults


@transaction.atomic
def org_tree_rebuild():
    """Recompute every tree's mptt fields from the parent links (with all offices locked)."""
    _lock_office_trees(Office.objects.values_list("pk", flat=True))
    Unit.objects.rebuild()
    org_data_changed()
