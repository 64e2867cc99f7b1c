"""Reads of the routing records: for learning, for the export, for the clerk's form and the dashboard."""
from django.db.models import Count, Q
from django.db.models.functions import TruncWeek

from orgunits.models import Office, Unit
from routing.models import RoutingRecord

TRAINING_FIELDS = {
    "id": "id",
    "office": "office__slug",
    "text": "text",
    "unit": "unit__slug",
    "subject": "subject__slug",
    "outcome": "outcome",
    "recorded_at": "recorded_at",
}


def training_records(*, office=None, after=0):
    """Every record as a plain dict (slugs, not rows), oldest first; `office` (a slug) narrows to one office,
    `after` (a record id) to the records written since.

    One query: `values()` with joins, no model instances, so tens of thousands of rows take
    a fraction of a second.
    """
    queryset = RoutingRecord.objects.filter(id__gt=after) if after else RoutingRecord.objects.all()
    if office is not None:
        queryset = queryset.filter(office__slug=office)
    rows = queryset.order_by("id").values_list(*TRAINING_FIELDS.values())
    names = tuple(TRAINING_FIELDS)
    return [dict(zip(names, row, strict=True)) for row in rows]


def export_records(*, office=None):
    """Records in the interchange shape (`office`, `text`, `unit`, `subject`, `outcome`, `date`, `id`), oldest first.

    `id` is the record's import id when it came from a file, else `record-<pk>`, so that
    importing an export back into the same database updates rather than duplicates.
    """
    queryset = RoutingRecord.objects.all()
    if office is not None:
        queryset = queryset.filter(office__slug=office)
    rows = queryset.order_by("id").values_list(
        "pk", "office__slug", "text", "unit__slug", "subject__slug", "outcome", "recorded_at", "external_id"
    )
    for pk, office_slug, text, unit, subject, outcome, recorded_at, external_id in rows:
        yield {
            "id": external_id or f"record-{pk}",
            "office": office_slug,
            "text": text,
            "unit": unit or "",
            "subject": subject or "",
            "outcome": outcome,
            "date": recorded_at.isoformat(),
        }


def record_unit_choices(*, office_slug):
    """(slug, English name, Chinese name) of the office's units in tree order, for the clerk's choice."""
    return list(
        Unit.objects.filter(office__slug=office_slug)
        .order_by("tree_id", "lft")
        .values_list("slug", "name_en", "name_zh")
    )


def office_by_slug(*, slug):
    return Office.objects.filter(slug=slug).first()


def unit_by_slug(*, office, slug):
    return Unit.objects.filter(office=office, slug=slug).first()


# Dashboard --------------------------------------------------------------------------------------

ABSTAINED = Q(outcome=RoutingRecord.Outcome.NO_UNIT) | Q(
    source=RoutingRecord.Source.CLERK, suggested_unit__isnull=True
)


def dashboard_records(*, office_ids, since):
    """The records the dashboard counts: recorded since `since`, in the given offices (None: every office)."""
    queryset = RoutingRecord.objects.filter(recorded_at__gte=since)
    if office_ids is not None:
        queryset = queryset.filter(office_id__in=office_ids)
    return queryset


def dashboard_stats(*, office_ids, since, top=10):
    """Counts for the routing dashboard, each aggregated by the database (a fixed number of queries).

    `abstentions` are records where the matter had no unit, or a clerk's where the router suggested
    none (an imported record does not say what the router suggested);
    `corrections` pair the router's suggestion with the unit the clerk chose.
    """
    records = dashboard_records(office_ids=office_ids, since=since)
    weekly = list(
        records.annotate(week=TruncWeek("recorded_at"))
        .values("week", "office__slug")
        .annotate(count=Count("id"))
        .order_by("week", "office__slug")
    )
    by_office = list(
        records.values("office__slug", "office__name_en", "office__name_zh", "office__order")
        .annotate(
            total=Count("id"),
            confirmed=Count("id", filter=Q(outcome=RoutingRecord.Outcome.CONFIRMED)),
            corrected=Count("id", filter=Q(outcome=RoutingRecord.Outcome.CORRECTED)),
            no_unit=Count("id", filter=Q(outcome=RoutingRecord.Outcome.NO_UNIT)),
            abstained=Count("id", filter=ABSTAINED),
        )
        .order_by("office__order", "office__slug")
    )
    units = list(
        records.filter(unit__isnull=False)
        .values("unit__office__slug", "unit__slug", "unit__name_en", "unit__name_zh")
        .annotate(count=Count("id"))
        .order_by("-count", "unit__office__slug", "unit__slug")[:top]
    )
    subjects = list(
        records.filter(subject__isnull=False)
        .values("subject__slug", "subject__name_en", "subject__name_zh")
        .annotate(count=Count("id"))
        .order_by("-count", "subject__slug")[:top]
    )
    corrections = list(
        records.filter(outcome=RoutingRecord.Outcome.CORRECTED)
        .values(
            "office__slug", "suggested_unit__slug", "suggested_unit__name_en", "suggested_unit__name_zh",
            "unit__slug", "unit__name_en", "unit__name_zh",
        )
        .annotate(count=Count("id"))
        .order_by("-count", "office__slug", "suggested_unit__slug", "unit__slug")[:top * 2]
    )
    return {"weekly": weekly, "by_office": by_office, "units": units, "subjects": subjects, "corrections": corrections}
