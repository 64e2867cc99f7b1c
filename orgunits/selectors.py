"""Reads of the organisation data. Views, commands and the router's index builder call these."""
import operator
import re
from functools import reduce

from django.db.models import Count, F, OuterRef, Prefetch, Q, Subquery, Window, prefetch_related_objects
from django.db.models.functions import Coalesce, RowNumber
from django.urls import reverse
from django.utils.translation import gettext as _

from orgunits.interchange import OFFICE_FACT_FIELDS
from orgunits.models import Duty, Office, OfficeName, PortfolioEntry, Subject, SubjectAlias, Transfer, Unit


def office_list():
    """Offices in source order, each with `unit_count`."""
    return Office.objects.annotate(unit_count=Count("units")).order_by("order", "slug")


def office_choice_groups(*, offices, chinese):
    """Offices as a grouped office choice lists them: `[(label, [office, ...]), ...]`.

    The provincial offices come first as one group, then the city offices, one group per province,
    so that a choice among hundreds of offices is a short scan rather than a long list.
    """
    groups = []
    for level, _label, provinces in offices_grouped(offices=offices, chinese=chinese):
        if level == Office.Level.PROVINCE:
            groups.append((_("Provincial offices"), [office for _province, group in provinces for office in group]))
        else:
            for province, group in provinces:
                label = _("City offices in %(province)s") % {"province": province} if province else _("Other offices")
                groups.append((label, group))
    return groups


def office_count():
    """How many offices there are. One query."""
    return Office.objects.count()


def office_provinces(*, chinese):
    """`[(English name, name in the page's language), ...]` of the provinces that have offices. One query."""
    rows = Office.objects.exclude(province_en="").values_list("province_en", "province_zh").distinct()
    names = {english: (chinese and chinese_name) or english for english, chinese_name in rows}
    return sorted(names.items(), key=lambda item: _chinese_sort_key(item[1]) if chinese else item[1].casefold())


def offices_grouped(*, offices, chinese):
    """Offices grouped by level (provinces first), then by province in name order.

    Returns `[(level, level label, [(province, [office, ...]), ...]), ...]`; offices keep their
    order within a province, and offices without a province come last under "".
    """
    levels = dict(Office.Level.choices)
    grouped = {}
    for office in offices:
        grouped.setdefault(office.level, {}).setdefault(office.province, []).append(office)

    def province_key(province):
        return (province == "", _chinese_sort_key(province) if chinese else province.casefold())

    return [
        (level, str(levels.get(level, level)), sorted(grouped[level].items(), key=lambda item: province_key(item[0])))
        for level in sorted(grouped, key=lambda level: (list(levels).index(level) if level in levels else len(levels)))
    ]


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
    """The whole organisation (or one office) in the interchange shape of `orgunits.interchange`.

    Built from plain rows (`values()`), one query per table: the router's index is built from
    this, and at hundreds of offices model instances for every unit, duty and portfolio entry
    cost seconds.
    """
    return {"offices": _offices_export(office_slug=office_slug), "subjects": _subjects_export()}


def _offices_export(*, office_slug=None):
    """Every office (or the one named) in the interchange shape, in source order."""
    # All offices: no filter at all, rather than a list of hundreds of ids.
    in_offices = {"office__slug": office_slug} if office_slug else {}
    in_units = {f"unit__{key}": value for key, value in in_offices.items()}
    rows = list(
        Office.objects.filter(**({"slug": office_slug} if office_slug else {}))
        .order_by("order", "slug")
        .values("pk", "slug", "name_en", "name_zh", *OFFICE_FACT_FIELDS)
    )
    if not rows:
        return []

    other_names = {}
    for office_id, *name in OfficeName.objects.filter(**in_offices).order_by("office_id", "order", "id").values_list(
        "office_id", "name_en", "name_zh", "quote"
    ):
        other_names.setdefault(office_id, []).append(dict(zip(("name_en", "name_zh", "quote"), name, strict=True)))

    transfer_subjects = {}
    for transfer_id, slug in Transfer.subjects.through.objects.filter(
        **{f"transfer__{key}": value for key, value in in_offices.items()}
    ).values_list("transfer_id", "subject__slug"):
        transfer_subjects.setdefault(transfer_id, []).append(slug)
    transfers = {}
    transfer_fields = ("direction", "text_en", "text_zh", "quote", "body_en", "body_zh")
    transfer_rows = Transfer.objects.filter(**in_offices).order_by("order", "id")
    for row in transfer_rows.values("pk", "office_id", *transfer_fields):
        transfer = {field: row[field] for field in transfer_fields}
        transfer["subjects"] = sorted(transfer_subjects.get(row["pk"], []))
        transfers.setdefault(row["office_id"], []).append(transfer)

    duties = {}
    for unit_id, text_en, text_zh in Duty.objects.filter(**in_units).order_by("order", "id").values_list(
        "unit_id", "text_en", "text_zh"
    ):
        duties.setdefault(unit_id, []).append({"text_en": text_en, "text_zh": text_zh})
    portfolio = {}
    for unit_id, *entry in (
        PortfolioEntry.objects.filter(**in_units)
        .order_by("order", "id")
        .values_list(
            "unit_id", "subject__slug", "subject__name_en", "subject__name_zh", "scope_en", "scope_zh", "quote"
        )
    ):
        portfolio.setdefault(unit_id, []).append(entry)

    languages = {row["pk"]: row["source_language"] for row in rows}
    unit_fields = ("slug", "kind", "name_en", "name_zh", "source_label")
    unit_rows = list(
        Unit.objects.filter(**in_offices)
        .order_by("tree_id", "lft")
        .values("pk", "office_id", "parent_id", *unit_fields)
    )
    slugs = {row["pk"]: row["slug"] for row in unit_rows}
    units = {}
    for row in unit_rows:
        source_zh = languages[row["office_id"]] == "zh"
        units.setdefault(row["office_id"], []).append(
            {
                "slug": row["slug"],
                "parent": slugs.get(row["parent_id"]) if row["parent_id"] else None,
                **{field: row[field] for field in unit_fields[1:]},
                "duties": duties.get(row["pk"], []),
                "subjects": [
                    {
                        "slug": slug,
                        "name_en": name_en,
                        "name_zh": name_zh,
                        # `scope` is the note as the source wrote it, in the source's language.
                        "scope": scope_zh if source_zh else scope_en,
                        "scope_en": scope_en,
                        "scope_zh": scope_zh,
                        "quote": quote,
                    }
                    for slug, name_en, name_zh, scope_en, scope_zh, quote in portfolio.get(row["pk"], [])
                ],
            }
        )

    exported = []
    for row in rows:
        data = {field: row[field] for field in ("slug", "name_en", "name_zh", *OFFICE_FACT_FIELDS)}
        if data["document_date"] is not None:
            data["document_date"] = data["document_date"].isoformat()
        data["other_names"] = other_names.get(row["pk"], [])
        data["units"] = units.get(row["pk"], [])
        data["transfers"] = transfers.get(row["pk"], [])
        exported.append(data)
    return exported


def _subjects_export(*, subject_ids=None):
    """Every subject (or those in `subject_ids`) in the interchange shape, by slug."""
    subjects, aliased = Subject.objects.all(), SubjectAlias.objects.all()
    if subject_ids is not None:
        subjects, aliased = subjects.filter(pk__in=subject_ids), aliased.filter(subject_id__in=subject_ids)
    aliases = {}
    for subject_id, text in aliased.order_by("id").values_list("subject_id", "text"):
        aliases.setdefault(subject_id, []).append(text)
    rows = list(subjects.order_by("slug").values("pk", "slug", "name_en", "name_zh", "parent__slug"))
    return [
        {
            "slug": row["slug"],
            "name_en": row["name_en"],
            "name_zh": row["name_zh"],
            "aliases": aliases.get(row["pk"], []),
            "parent": row["parent__slug"],
        }
        for row in rows
    ]


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


ELSEWHERE_PER_SUBJECT = 8


def unit_subjects_elsewhere(*, unit, per_subject=ELSEWHERE_PER_SUBJECT):
    """For each subject in the unit's portfolio, the first portfolio entries of units in other offices. Two queries.

    Returns `[(subject, [entry, ...], total), ...]` in the unit's portfolio order; at most
    `per_subject` entries per subject (the subject's page lists them all), ordered by office, then
    by tree position, each carrying `unit` and `unit.office`; `total` counts them all.
    """
    entries = unit.portfolio.all()
    ordering = [F("unit__office__order"), F("unit__office__slug"), F("unit__tree_id"), F("unit__lft"), F("pk")]
    # Rank in the database, then read whole rows for the few kept: at hundreds of offices a subject
    # has thousands of entries, and carrying every column through the ranking doubled its cost.
    ranked = (
        PortfolioEntry.objects.filter(subject__in=[entry.subject_id for entry in entries])
        .exclude(unit__office_id=unit.office_id)
        .annotate(
            rank=Window(RowNumber(), partition_by=[F("subject_id")], order_by=ordering),
            total=Window(Count("pk"), partition_by=[F("subject_id")]),
        )
        .filter(rank__lte=per_subject)
        .values_list("pk", "subject_id", "total")
    )
    totals, kept = {}, []
    for pk, subject_id, total in ranked:
        totals[subject_id] = total
        kept.append(pk)
    elsewhere = {}
    if kept:
        rows = PortfolioEntry.objects.filter(pk__in=kept).select_related("unit", "unit__office").order_by(*ordering)
        for row in rows:
            elsewhere.setdefault(row.subject_id, []).append(row)
    return [
        (entry.subject, elsewhere.get(entry.subject_id, []), totals.get(entry.subject_id, 0)) for entry in entries
    ]


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


def offices_in_order():
    """Every office in source order (a queryset, for paging)."""
    return Office.objects.order_by("order", "slug")


def subject_across_offices(*, subject, offices=None):
    """For each office (all, or the given ones), the portfolio entries that assign `subject` and the
    transfers that name it.

    Returns `[(office, [entry, ...], [transfer, ...]), ...]` in office order; an office whose
    document does not assign the subject has an empty entry list. Three queries (two when
    `offices` is given).
    """
    offices = list(offices_in_order() if offices is None else offices)
    office_ids = [office.pk for office in offices]
    entries = {}
    for entry in (
        PortfolioEntry.objects.filter(subject=subject, unit__office_id__in=office_ids)
        .select_related("unit")
        .order_by("unit__tree_id", "unit__lft", "order")
    ):
        entries.setdefault(entry.unit.office_id, []).append(entry)
    transfers = {}
    for transfer in Transfer.objects.filter(subjects=subject, office_id__in=office_ids).order_by("order", "id"):
        transfers.setdefault(transfer.office_id, []).append(transfer)
    return [(office, entries.get(office.pk, []), transfers.get(office.pk, [])) for office in offices]


def containing(needle, *fields):
    """A filter for rows where any of `fields` contains `needle`, ignoring case.

    A short needle with no cased letters (two Chinese characters, a number) is the same in any case,
    so it is looked for as it is. On PostgreSQL that spares an UPPER() of every row, which the
    trigram indexes on duty sentences cannot serve for under three characters: 28 ms instead of
    130 ms a scan of the duties at 400 offices. Longer needles keep the UPPER() form the indexes
    are built on.
    """
    lookup = "contains" if len(needle) < 3 and needle.upper() == needle.lower() else "icontains"
    return reduce(operator.or_, (Q(**{f"{field}__{lookup}": needle}) for field in fields))


def subject_matching(needle):
    """A filter for the subjects whose name, in either language, or one of whose aliases contains `needle`."""
    aliased = SubjectAlias.objects.filter(containing(needle, "text")).values("subject")
    return containing(needle, "name_en", "name_zh") | Q(pk__in=aliased)


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
    units = list(units)
    if not needle:
        return [(unit, []) for unit in units]
    # Only the duties and aliases that contain the words are fetched: the rest cannot be a reason.
    prefetch_related_objects(
        units,
        Prefetch(
            "duties",
            queryset=Duty.objects.filter(containing(needle, "text_en", "text_zh")).order_by(
                "order", "id"
            ),
        ),
        Prefetch(
            "portfolio",
            queryset=PortfolioEntry.objects.select_related("subject")
            .prefetch_related(
                Prefetch(
                    "subject__aliases",
                    queryset=SubjectAlias.objects.filter(containing(needle, "text")).order_by("id"),
                )
            )
            .order_by("order", "id"),
        ),
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
    offices = _offices_export(office_slug=office_slug)
    return offices[0] if offices else None


def subject_ids_by_slug():
    """Subject ids in slug order (a queryset, for paging the catalogue)."""
    return Subject.objects.order_by("slug").values_list("pk", flat=True)


def subject_catalogue(*, subject_ids=None):
    """Subjects (all, or those in `subject_ids`) in the interchange shape, in slug order, each with the
    offices and units that assign it. Three queries."""
    entries = PortfolioEntry.objects.order_by("unit__office__order", "unit__office__slug", "unit__tree_id", "unit__lft")
    if subject_ids is not None:
        entries = entries.filter(subject_id__in=subject_ids)
    assigned = {}
    for slug, office, unit in entries.values_list("subject__slug", "unit__office__slug", "unit__slug"):
        assigned.setdefault(slug, {}).setdefault(office, []).append(unit)
    catalogue = _subjects_export(subject_ids=subject_ids)
    for data in catalogue:
        data["offices"] = [
            {"office": office, "units": units} for office, units in assigned.get(data["slug"], {}).items()
        ]
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
