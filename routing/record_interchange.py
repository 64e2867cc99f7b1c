"""Routing records in files: JSON lines or CSV, read and checked line by line before anything is saved.

One line is one routed matter: `office` (slug), `text`, `unit` (slug, empty for "no unit"),
and optionally `subject` (slug), `outcome` (confirmed / corrected / no_unit; by default
confirmed when there is a unit, else no_unit), `date` (ISO 8601; a date alone is midnight UTC)
and `id` (the record's id in the file's source: a second import of the same id updates the
record instead of adding another). Other fields are ignored.
"""
import csv
import io
import json
from dataclasses import dataclass
from datetime import UTC, datetime, time

from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from routing.models import MAX_RECORD_TEXT_CHARS, RoutingRecord, text_problem

FIELDS = ("id", "office", "text", "unit", "subject", "outcome", "date")
REQUIRED = ("office", "text", "unit")
MAX_ID_CHARS = RoutingRecord._meta.get_field("external_id").max_length
OUTCOMES = set(RoutingRecord.Outcome.values)
JSONL_SUFFIXES = (".jsonl", ".ndjson", ".json")


class RecordFileError(Exception):
    """A file that cannot be imported; the message names the line and the problem."""


@dataclass
class RecordRow:
    line: int
    office_id: int
    text: str
    unit_id: int | None
    subject_id: int | None
    outcome: str
    recorded_at: datetime | None
    external_id: str


def detect_format(*, name, head):
    """'jsonl' or 'csv': by the file name's extension, else by its first character."""
    lowered = name.lower()
    if lowered.endswith(JSONL_SUFFIXES):
        return "jsonl"
    if lowered.endswith(".csv"):
        return "csv"
    return "jsonl" if head.lstrip("\ufeff \t\r\n").startswith("{") else "csv"


def read_lines(*, handle, file_format):
    """(line number, dict of fields) for each record of an open text file."""
    if file_format == "jsonl":
        yield from _read_jsonl(handle)
    else:
        yield from _read_csv(handle)


def _read_jsonl(handle):
    for number, line in enumerate(handle, start=1):
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except (ValueError, RecursionError) as exc:
            raise RecordFileError(f"line {number}: not valid JSON ({_short(exc)})") from None
        if not isinstance(value, dict):
            raise RecordFileError(f"line {number}: expected a JSON object with the fields {', '.join(REQUIRED)}")
        yield number, value


def _read_csv(handle):
    reader = csv.DictReader(handle, strict=True)
    try:
        header = reader.fieldnames
    except csv.Error as exc:
        raise RecordFileError(f"line 1: not valid CSV ({exc})") from None
    if not header:
        return
    missing = [name for name in REQUIRED if name not in header]
    if missing:
        raise RecordFileError(f"line 1: the CSV header lacks {', '.join(missing)}")
    start = reader.line_num + 1
    try:
        for row in reader:
            if None in row:
                raise RecordFileError(f"line {start}: more values than header columns")
            if not any((value or "").strip() for value in row.values()):
                start = reader.line_num + 1
                continue
            if any(value is None for value in row.values()):
                raise RecordFileError(f"line {start}: fewer values than header columns")
            yield start, row
            start = reader.line_num + 1
    except csv.Error as exc:
        raise RecordFileError(f"line {start}: not valid CSV ({exc})") from None


def _short(exc):
    return str(exc)[:200] if not isinstance(exc, RecursionError) else "nested too deeply"


class RowChecker:
    """Turns raw fields into a RecordRow, against the offices, units and subjects in the database."""

    def __init__(self, *, offices, units, subjects):
        self.offices = offices  # slug -> id
        self.units = units  # (office id, slug) -> id
        self.subjects = subjects  # slug -> id
        self.seen_ids = {}

    def check(self, number, raw):
        def problem(text):
            return RecordFileError(f"line {number}: {text}")

        values = {}
        for name in FIELDS:
            value = raw.get(name)
            if value is None:
                value = ""
            if name == "id" and isinstance(value, int) and not isinstance(value, bool):
                value = str(value)
            if not isinstance(value, str):
                raise problem(f"{name} must be a string, not {type(value).__name__}")
            values[name] = value if name == "text" else value.strip()
        for name in REQUIRED[:2]:
            if not values[name]:
                raise problem(f"{name} is missing")
        office_id = self.offices.get(values["office"])
        if office_id is None:
            raise problem(f"unknown office {values['office'][:80]!r}")
        text = values["text"].strip()
        if not text:
            raise problem("text is empty")
        if len(text) > MAX_RECORD_TEXT_CHARS:
            raise problem(f"text is longer than {MAX_RECORD_TEXT_CHARS:,} characters")
        bad = text_problem(text)
        if bad:
            raise problem(f"text {bad}")
        unit_id = None
        if values["unit"]:
            unit_id = self.units.get((office_id, values["unit"]))
            if unit_id is None:
                raise problem(f"unknown unit {values['unit'][:80]!r} in office {values['office']!r}")
        subject_id = None
        if values["subject"]:
            subject_id = self.subjects.get(values["subject"])
            if subject_id is None:
                raise problem(f"unknown subject {values['subject'][:80]!r}")
        outcome = values["outcome"] or ("confirmed" if unit_id else "no_unit")
        if outcome not in OUTCOMES:
            raise problem(f"outcome must be one of {', '.join(sorted(OUTCOMES))}, not {outcome[:40]!r}")
        if outcome == "no_unit" and unit_id:
            raise problem("outcome no_unit with a unit")
        if outcome != "no_unit" and not unit_id:
            raise problem(f"outcome {outcome} needs a unit")
        recorded_at = parse_record_date(values["date"]) if values["date"] else None
        if values["date"] and recorded_at is None:
            raise problem(f"date {values['date'][:40]!r} is not an ISO 8601 date")
        external_id = values["id"]
        if len(external_id) > MAX_ID_CHARS:
            raise problem(f"id is longer than {MAX_ID_CHARS} characters")
        if text_problem(external_id):
            raise problem(f"id {text_problem(external_id)}")
        if external_id:
            key = (office_id, external_id)
            if key in self.seen_ids:
                raise problem(f"id {external_id!r} was already used on line {self.seen_ids[key]}")
            self.seen_ids[key] = number
        return RecordRow(
            line=number, office_id=office_id, text=text, unit_id=unit_id, subject_id=subject_id,
            outcome=outcome, recorded_at=recorded_at, external_id=external_id,
        )


def parse_record_date(value):
    """An aware datetime from ISO 8601 text (a date alone is midnight UTC); None when it is not one."""
    try:
        moment = parse_datetime(value)
        if moment is None:
            day = parse_date(value)
            if day is None:
                return None
            moment = datetime.combine(day, time.min, tzinfo=UTC)
    except (ValueError, OverflowError):
        return None
    if timezone.is_naive(moment):
        moment = moment.replace(tzinfo=UTC)
    return moment


def write_records(*, rows, stream, file_format):
    """Write export rows (dicts with FIELDS) to `stream` as JSON lines or CSV."""
    if file_format == "csv":
        writer = csv.DictWriter(stream, fieldnames=FIELDS, lineterminator="\n")
        writer.writeheader()
        for row in rows:
            writer.writerow(row)
    else:
        for row in rows:
            stream.write(json.dumps({name: row[name] for name in FIELDS}, ensure_ascii=False) + "\n")


def open_text(data):
    """A text stream over UTF-8 bytes, a BOM dropped; UnicodeDecodeError when they are not UTF-8."""
    return io.StringIO(data.decode("utf-8-sig"), newline="")
