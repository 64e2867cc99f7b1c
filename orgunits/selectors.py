"""Reads of the organisation data. Views, commands and the router's index builder call these."""
import re

from django.db.models import Count, OuterRef, Prefetch, Q, Subquery
from django.db.models.functions import Coalesce
from django.urls import reverse

from orgunits.interchange import OFFICE_FACT_FIELDS
from orgunits.models import Duty, Office, OfficeName, PortfolioEntry, Subject, SubjectAlias, Transfer, Unit


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
    for field in OFFICE_FACT_FIELDS:
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


# Browse pages --------------------------------------------------------------------------------
# Each selector below runs a fixed number of queries, however many units an office has.

# GB2312 orders its 3,755 common characters by pinyin; the first character of each initial
# letter's block lets us group Chinese names by pinyin without a pinyin dictionary.
_GB2312_PINYIN_STARTS = (
    (0xB0A1, "A"), (0xB0C5, "B"), (0xB2C1, "C"), (0xB4EE, "D"), (0xB6EA, "E"), (0xB7A2, "F"),
    (0xB8C1, "G"), (0xB9FE, "H"), (0xBBF7, "J"), (0xBFA6, "K"), (0xC0AC, "L"), (0xC2E8, "M"),
    (0xC4C3, "N"), (0xC5B6, "O"), (0xC5BE, "P"), (0xC6DA, "Q"), (0xC8BB, "R"), (0xC8F6, "S"),
    (0xCBFA, "T"), (0xCDDA, "W"), (0xCEF4, "X"), (0xD1B9, "Y"), (0xD4D1, "Z"),
)
_GB2312_LEVEL1_END = 0xD7F9
OTHER_GROUP = "#"


def office_get(*, slug):
    """The office, or None. One query."""
    return Office.objects.filter(slug=slug).first()


def office_facts_get(*, slug):
    """The office with its other names and transfers (with their subjects), or None. Four queries."""
    return (
        Office.objects.filter(slug=slug)
        .prefetch_related(
            Prefetch("other_names", queryset=OfficeName.objects.order_by("order", "id")),
            Prefetch(
                "transfers",
                queryset=Transfer.objects.order_by("order", "id").prefetch_related(
                    Prefetch("subjects", queryset=Subject.objects.order_by("name_en"))
                ),
            ),
        )
        .first()
    )


def _count_of(model, **outer):
    """A subquery counting `model` rows whose fields equal the given outer references."""
    rows = model.objects.filter(**{field: OuterRef(ref) for field, ref in outer.items()}).order_by()
    counted = rows.values(*outer).annotate(count=Count("pk")).values("count")
    return Coalesce(Subquery(counted), 0)


def office_chart_units(*, office):
    """Every unit of the office in tree order, each with `duty_count`, `subject_count` and `url`. One query."""
    units = list(
        Unit.objects.filter(office=office)
        .annotate(duty_count=_count_of(Duty, unit="pk"), subject_count=_count_of(PortfolioEntry, unit="pk"))
        .order_by("tree_id", "lft")
    )
    # One reverse() for the whole tree: links differ only by the unit's slug.
    url = reverse("orgunits:unit_detail", kwargs={"office": office.slug, "unit": "-"})
    for unit in units:
        unit.office = office  # links are built from the office's slug; spare a query per unit
        unit.url = url.replace("/-/", f"/{unit.slug}/")
    return units


def office_main_duties(*, office):
    """The office's own main responsibilities: the duties of its root unit, in source order. One query."""
    return list(Duty.objects.filter(unit__office=office, unit__parent=None).order_by("order", "id"))


def unit_get(*, office_slug, unit_slug):
    """The unit with its office, duties, portfolio (with subjects) and child units, or None. Four queries."""
    return (
        Unit.objects.filter(office__slug=office_slug, slug=unit_slug)
        .select_related("office", "parent")
        .prefetch_related(
            Prefetch("duties", queryset=Duty.objects.order_by("order", "id")),
            Prefetch("portfolio", queryset=PortfolioEntry.objects.select_related("subject").order_by("order", "id")),
            Prefetch("children", queryset=Unit.objects.order_by("lft")),
        )
        .first()
    )


def unit_ancestors(*, unit):
    """The units above `unit`, root first. One query."""
    return list(unit.get_ancestors())


def unit_subjects_elsewhere(*, unit):
    """For each subject in the unit's portfolio, the portfolio entries of units in other offices. One query.

    Returns `[(subject, [entry, ...]), ...]` in the unit's portfolio order; entries are ordered by
    office, then by tree position, and carry `unit` and `unit.office`.
    """
    entries = unit.portfolio.all()
    elsewhere = {}
    rows = (
        PortfolioEntry.objects.filter(subject__in=[entry.subject_id for entry in entries])
        .exclude(unit__office_id=unit.office_id)
        .select_related("unit", "unit__office")
        .order_by("unit__office__order", "unit__office__slug", "unit__tree_id", "unit__lft")
    )
    for row in rows:
        elsewhere.setdefault(row.subject_id, []).append(row)
    return [(entry.subject, elsewhere.get(entry.subject_id, [])) for entry in entries]


def subject_browse_queryset():
    """Subjects with `office_count`, the number of offices whose documents assign each."""
    return Subject.objects.annotate(
        office_count=Count("portfolio_entries__unit__office", distinct=True)
    ).order_by("name_en", "slug")


def subjects_grouped(*, subjects, chinese):
    """Subjects grouped under initial letters: A–Z by English name, or by pinyin of the Chinese name.

    Returns `[(letter, [subject, ...]), ...]` in letter order; names the letter rule cannot place
    fall under "#" at the end. Each subject gets its `url`.
    """
    url = reverse("orgunits:subject_detail", kwargs={"subject": "-"})
    for subject in subjects:
        subject.url = url.replace("/-/", f"/{subject.slug}/")
    groups = {}
    if chinese:
        ordered = sorted(subjects, key=lambda subject: (_chinese_sort_key(subject.name_zh), subject.slug))
        for subject in ordered:
            groups.setdefault(_pinyin_initial(subject.name_zh), []).append(subject)
    else:
        ordered = sorted(subjects, key=lambda subject: (subject.name_en.casefold(), subject.slug))
        for subject in ordered:
            first = subject.name_en[:1].upper()
            groups.setdefault(first if "A" <= first <= "Z" else OTHER_GROUP, []).append(subject)
    return sorted(groups.items(), key=lambda item: (item[0] == OTHER_GROUP, item[0]))


def _chinese_sort_key(text):
    """Pinyin order for common characters (their GB18030 byte order), code point order otherwise."""
    try:
        return text.encode("gb18030")
    except UnicodeEncodeError:
        return text.encode("utf-8")


def _pinyin_initial(text):
    first = text[:1]
    if first.isascii():
        return first.upper() if first.isalpha() else OTHER_GROUP
    try:
        encoded = first.encode("gb2312")
    except UnicodeEncodeError:
        return OTHER_GROUP
    code = (encoded[0] << 8) | encoded[1] if len(encoded) == 2 else 0
    if not _GB2312_PINYIN_STARTS[0][0] <= code < _GB2312_LEVEL1_END:
        return OTHER_GROUP
    letter = OTHER_GROUP
    for start, initial in _GB2312_PINYIN_STARTS:
        if code < start:
            break
        letter = initial
    return letter


def subject_get(*, slug):
    """The subject with its parent, aliases and child subjects, or None. Three queries."""
    return (
        Subject.objects.filter(slug=slug)
        .select_related("parent")
        .prefetch_related(
            Prefetch("aliases", queryset=SubjectAlias.objects.order_by("id")),
            Prefetch("children", queryset=Subject.objects.order_by("name_en")),
        )
        .first()
    )


def subject_across_offices(*, subject):
    """For every office, the portfolio entries that assign `subject` and the transfers that name it.

    Returns `[(office, [entry, ...], [transfer, ...]), ...]` in office order; an office whose
    document does not assign the subject has an empty entry list. Three queries.
    """
    offices = list(Office.objects.order_by("order", "slug"))
    entries = {}
    for entry in (
        PortfolioEntry.objects.filter(subject=subject)
        .select_related("unit")
        .order_by("unit__tree_id", "unit__lft", "order")
    ):
        entries.setdefault(entry.unit.office_id, []).append(entry)
    transfers = {}
    for transfer in Transfer.objects.filter(subjects=subject).order_by("order", "id"):
        transfers.setdefault(transfer.office_id, []).append(transfer)
    return [(office, entries.get(office.pk, []), transfers.get(office.pk, [])) for office in offices]


def unit_search_queryset():
    """Units as search results list them: office by office, in tree order."""
    return Unit.objects.select_related("office", "parent").order_by("office__order", "office__slug", "tree_id", "lft")


def unit_search_matches(*, units, query):
    """Say why each unit matched `query`: its names, source label, duties, subjects or their aliases.

    Takes the filtered units and returns `[(unit, [match, ...]), ...]`; each match is a dict with
    `field` (what matched: name, source_label, duty, subject or alias), `language` ("en" or "zh"),
    `subject` (for subject and alias matches) and the text split into `before`, `hit`, `after` around
    the first occurrence. Three queries besides the units'.
    """
    needle = (query or "").strip()
    if not needle:
        return [(unit, []) for unit in units]
    # Only the duties and aliases that contain the words are fetched: the rest cannot be a reason.
    units = list(
        units.prefetch_related(
            Prefetch(
                "duties",
                queryset=Duty.objects.filter(Q(text_en__icontains=needle) | Q(text_zh__icontains=needle)).order_by(
                    "order", "id"
                ),
            ),
            Prefetch(
                "portfolio",
                queryset=PortfolioEntry.objects.select_related("subject")
                .prefetch_related(
                    Prefetch(
                        "subject__aliases",
                        queryset=SubjectAlias.objects.filter(text__icontains=needle).order_by("id"),
                    )
                )
                .order_by("order", "id"),
            ),
        )
    )
    results = []
    for unit in units:
        matches = []
        matched_subjects = set()
        for field, language, text, subject in _unit_search_texts(unit):
            if subject is not None and subject.pk in matched_subjects:
                continue  # one reason per subject is enough: its name, or else its first matching alias
            found = _split_at_match(text, needle)
            if found:
                matches.append({"field": field, "language": language, "subject": subject, **found})
                if subject is not None:
                    matched_subjects.add(subject.pk)
        results.append((unit, matches))
    return results


def _unit_search_texts(unit):
    """The texts a unit can match on, most telling first: names, subjects, then duties."""
    yield "name", "en", unit.name_en, None
    yield "name", "zh", unit.name_zh, None
    yield "source_label", unit.office.source_language, unit.source_label, None
    for entry in unit.portfolio.all():
        yield "subject", "en", entry.subject.name_en, entry.subject
        yield "subject", "zh", entry.subject.name_zh, entry.subject
        for alias in entry.subject.aliases.all():
            yield "alias", alias.language, alias.text, entry.subject
    for duty in unit.duties.all():
        yield "duty", "en", duty.text_en, None
        yield "duty", "zh", duty.text_zh, None


def _split_at_match(text, query, context=60):
    """`text` cut around the first case-insensitive occurrence of `query`, or None."""
    found = re.search(re.escape(query), text, re.IGNORECASE)
    if not found:
        return None
    start = max(0, found.start() - context)
    stop = min(len(text), found.end() + context)
    return {
        "before": ("…" if start else "") + text[start : found.start()],
        "hit": found.group(),
        "after": text[found.end() : stop] + ("…" if stop < len(text) else ""),
    }


def office_export(*, office_slug):
    """One office in the interchange shape, exactly as `org_export` renders it, or None."""
    offices = list(
        Office.objects.filter(slug=office_slug).prefetch_related(
            Prefetch("other_names"),
            Prefetch("transfers", queryset=Transfer.objects.order_by("order", "id").prefetch_related("subjects")),
        )
    )
    if not offices:
        return None
    return _office_dict(offices[0], list(unit_tree_queryset(offices=offices)))


def subject_catalogue():
    """Every subject in the interchange shape, each with the offices and units that assign it."""
    assigned = {}
    for slug, office, unit in PortfolioEntry.objects.order_by(
        "unit__office__order", "unit__office__slug", "unit__tree_id", "unit__lft"
    ).values_list("subject__slug", "unit__office__slug", "unit__slug"):
        assigned.setdefault(slug, {}).setdefault(office, []).append(unit)
    catalogue = []
    for subject in subject_queryset().order_by("slug"):
        data = _subject_dict(subject)
        data["offices"] = [
            {"office": office, "units": units} for office, units in assigned.get(subject.slug, {}).items()
        ]
        catalogue.append(data)
    return catalogue


# Exchange formats ------------------------------------------------------------------------------


def office_units_for_sheet(*, office_slug):
    """The office's units as the spreadsheet export reads them (one query when exported)."""
    return Unit.objects.filter(office__slug=office_slug)


def subject_taxonomy(*, office_slug=None):
    """Every subject (or those a unit of one office holds) with aliases as (text, language) pairs. Two or three queries.

    Each is a dict with slug, name_en, name_zh, parent, parent_name_en, parent_name_zh and aliases,
    in slug order.
    """
    subjects = subject_queryset().order_by("slug")
    if office_slug is not None:
        subjects = subjects.filter(
            pk__in=PortfolioEntry.objects.filter(unit__office__slug=office_slug).values("subject_id")
        )
    return [
        {
            "slug": subject.slug,
            "name_en": subject.name_en,
            "name_zh": subject.name_zh,
            "parent": subject.parent.slug if subject.parent else None,
            "parent_name_en": subject.parent.name_en if subject.parent else "",
            "parent_name_zh": subject.parent.name_zh if subject.parent else "",
            "aliases": [(alias.text, alias.language) for alias in subject.aliases.all()],
        }
        for subject in subjects
    ]


def subject_handlers(*, slug):
    """Which units hold subject `slug`, office by office, or None when there is no such subject. Three queries.

    Returns `[(office, [unit, ...]), ...]` for every office in order (an empty list where no unit
    of the office holds it); units in tree order.
    """
    if not Subject.objects.filter(slug=slug).exists():
        return None
    units = {}
    for unit in (
        Unit.objects.filter(portfolio__subject__slug=slug)
        .order_by("tree_id", "lft")
        .only("slug", "name_en", "name_zh", "office_id")
    ):
        units.setdefault(unit.office_id, []).append(unit)
    return [(office, units.get(office.pk, [])) for office in Office.objects.order_by("order", "slug")]
