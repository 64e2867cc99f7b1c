"""Reads of the organisation data. Views, commands and the router's index builder call these."""
from django.db.models import Count, Prefetch

from orgunits.models import Duty, Office, PortfolioEntry, Subject, SubjectAlias, Transfer, Unit

OFFICE_EXPORT_FIELDS = (
    "level",
    "source_file",
    "source_language",
    "document_title_en",
    "document_title_zh",
    "document_number",
    "document_date",
    "address_en",
    "address_zh",
    "telephone",
    "staffing_posts",
    "staffing_en",
    "staffing_zh",
)


def office_list():
    """Offices in source order, each with `unit_count`."""
    return Office.objects.annotate(unit_count=Count("units")).order_by("order", "slug")


def unit_tree_queryset(*, offices):
    """Units of the given offices in tree order, with their duties and portfolios prefetched."""
    return (
        Unit.objects.filter(office__in=offices)
        .select_related("office", "parent")
        .prefetch_related(
            Prefetch("duties", queryset=Duty.objects.order_by("order", "id")),
            Prefetch("portfolio", queryset=PortfolioEntry.objects.select_related("subject").order_by("order", "id")),
        )
        .order_by("office__order", "tree_id", "lft")
    )


def subject_queryset():
    return Subject.objects.select_related("parent").prefetch_related(
        Prefetch("aliases", queryset=SubjectAlias.objects.order_by("id"))
    )


def org_export(*, office_slug=None):
    """The whole organisation (or one office) in the interchange shape of `orgunits.interchange`."""
    offices = list(
        Office.objects.order_by("order", "slug")
        .filter(**({"slug": office_slug} if office_slug else {}))
        .prefetch_related(
            Prefetch("other_names"),
            Prefetch("transfers", queryset=Transfer.objects.order_by("order", "id").prefetch_related("subjects")),
        )
    )
    units_by_office = {}
    for unit in unit_tree_queryset(offices=offices):
        units_by_office.setdefault(unit.office_id, []).append(unit)
    return {
        "offices": [_office_dict(office, units_by_office.get(office.pk, [])) for office in offices],
        "subjects": [_subject_dict(subject) for subject in subject_queryset().order_by("slug")],
    }


def _office_dict(office, units):
    data = {"slug": office.slug, "name_en": office.name_en, "name_zh": office.name_zh}
    for field in OFFICE_EXPORT_FIELDS:
        data[field] = getattr(office, field)
    if data["document_date"] is not None:
        data["document_date"] = data["document_date"].isoformat()
    data["other_names"] = [
        {"name_en": name.name_en, "name_zh": name.name_zh, "quote": name.quote} for name in office.other_names.all()
    ]
    data["units"] = [_unit_dict(unit, office) for unit in units]
    data["transfers"] = [
        {
            "direction": transfer.direction,
            "text_en": transfer.text_en,
            "text_zh": transfer.text_zh,
            "quote": transfer.quote,
            "body_en": transfer.body_en,
            "body_zh": transfer.body_zh,
            "subjects": sorted(subject.slug for subject in transfer.subjects.all()),
        }
        for transfer in office.transfers.all()
    ]
    return data


def _unit_dict(unit, office):
    return {
        "slug": unit.slug,
        "parent": unit.parent.slug if unit.parent else None,
        "kind": unit.kind,
        "name_en": unit.name_en,
        "name_zh": unit.name_zh,
        "source_label": unit.source_label,
        "duties": [{"text_en": duty.text_en, "text_zh": duty.text_zh} for duty in unit.duties.all()],
        "subjects": [
            {
                "slug": entry.subject.slug,
                "name_en": entry.subject.name_en,
                "name_zh": entry.subject.name_zh,
                # `scope` is the note as the source wrote it, in the source's language.
                "scope": entry.scope_zh if office.source_language == "zh" else entry.scope_en,
                "scope_en": entry.scope_en,
                "scope_zh": entry.scope_zh,
                "quote": entry.quote,
            }
            for entry in unit.portfolio.all()
        ],
    }


def _subject_dict(subject):
    return {
        "slug": subject.slug,
        "name_en": subject.name_en,
        "name_zh": subject.name_zh,
        "aliases": [alias.text for alias in subject.aliases.all()],
        "parent": subject.parent.slug if subject.parent else None,
    }
