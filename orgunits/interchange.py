"""The organisation interchange shape: reading fixture files and validating data before any write.

`export_org` writes this shape, `import_org` and `load_org` read it:

    {"offices": [{"slug", "name_en", "name_zh", <office facts>, "other_names": [...],
                  "units": [{"slug", "parent", "kind", "name_en", "name_zh", "source_label",
                             "duties": [{"text_en", "text_zh"}],
                             "subjects": [{"slug", "name_en", "name_zh", "scope", "scope_en",
                                           "scope_zh", "quote"}]}],
                  "transfers": [{"direction", "text_en", "text_zh", "quote", "body_en",
                                 "body_zh", "subjects": [slug, ...]}]}],
     "subjects": [{"slug", "name_en", "name_zh", "aliases": [...], "parent"}]}

Validation is pure (no database) and reports every problem with its place, so a broken
file changes nothing and says what is wrong where.
"""
import datetime
import re
from pathlib import Path

import yaml

from orgunits.models import Duty, Office, OfficeName, PortfolioEntry, Subject, SubjectAlias, Transfer, Unit
from orgunits.validators import SLUG_RE, forbidden_character

# The office's facts, in the order the interchange shape lists them after slug and names.
OFFICE_FACT_FIELDS = (
    "level",
    "province_en",
    "province_zh",
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
# The facts that are free text (optional; "" when the source does not give them).
OFFICE_TEXT_FIELDS = (
    "province_en",
    "province_zh",
    "document_title_en",
    "document_title_zh",
    "document_number",
    "address_en",
    "address_zh",
    "telephone",
    "staffing_en",
    "staffing_zh",
)
LEVELS = ("province", "city")
LANGUAGES = ("en", "zh")
UNIT_KINDS = (
    "office",
    "division",
    "section",
    "room",
    "committee",
    "institution",
    "representative-office",
    "managed-agency",
)
DIRECTIONS = ("out", "in")
CJK_RE = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
MAX_TEXT = 5000  # for text columns without a length of their own
# libyaml's safe loader where PyYAML was built with it: ten times faster on hundreds of office files.
SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class OrgDataError(Exception):
    """The data cannot be loaded; `problems` lists each fault with its place."""

    def __init__(self, problems):
        self.problems = list(problems)
        super().__init__("\n".join(self.problems))


def text_language(text):
    """'zh' when the text contains Chinese characters, else 'en'."""
    return "zh" if CJK_RE.search(text) else "en"


# Reading fixture files -------------------------------------------------------------------


def read_yaml(path):
    try:
        with open(path, encoding="utf-8") as handle:
            return yaml.load(handle, Loader=SAFE_LOADER)
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise OrgDataError([f"{path}: cannot be read: {exc}"]) from exc


def read_fixture_dir(directory):
    """Turn `fixtures/` (subjects.yaml + offices/*.yaml) into the interchange shape.

    Each office and subject dict remembers the file it came from under `_source`,
    so that validation can name the file at fault.
    """
    directory = Path(directory)
    subjects_path = directory / "subjects.yaml"
    subjects = read_yaml(subjects_path)
    if not isinstance(subjects, list):
        raise OrgDataError([f"{subjects_path}: expected a list of subjects"])
    for subject in subjects:
        if isinstance(subject, dict):
            subject["_source"] = str(subjects_path)

    offices = []
    office_paths = sorted((directory / "offices").glob("*.yaml"))
    if not office_paths:
        raise OrgDataError([f"{directory / 'offices'}: no office files"])
    for path in office_paths:
        office = read_yaml(path)
        if not isinstance(office, dict):
            raise OrgDataError([f"{path}: expected one office (a mapping)"])
        office["_source"] = str(path)
        for unit in office.get("units") or []:
            # Fixture files name a portfolio subject as `subject:`; the interchange shape as `slug`.
            for entry in (unit.get("subjects") or []) if isinstance(unit, dict) else []:
                if isinstance(entry, dict) and "subject" in entry and "slug" not in entry:
                    entry["slug"] = entry.pop("subject")
        offices.append(office)
    offices.sort(key=lambda office: str(office.get("source_file", "")))
    return {"offices": offices, "subjects": subjects}


# Validation ------------------------------------------------------------------------------


class _Checker:
    def __init__(self):
        self.problems = []

    def fail(self, where, message):
        self.problems.append(f"{where}: {message}")

    def text(self, where, record, field, *, model, required=True):
        """A text field of a row of `model`: as long as its column allows, no control characters."""
        max_length = model._meta.get_field(field).max_length or MAX_TEXT
        value = record.get(field, "")
        if value is None and not required:
            record[field] = ""
            return ""
        if not isinstance(value, str):
            self.fail(where, f"'{field}' must be text")
            return ""
        value = value.strip()
        record[field] = value
        if required and not value:
            self.fail(where, f"'{field}' is missing or empty")
        if len(value) > max_length:
            self.fail(where, f"'{field}' is longer than {max_length} characters")
        char = forbidden_character(value)
        if char is not None:
            self.fail(where, f"'{field}' contains the control character U+{ord(char):04X}")
        return value

    def slug(self, where, record, *, model, field="slug"):
        value = record.get(field)
        max_length = model._meta.get_field("slug").max_length
        if not isinstance(value, str) or not SLUG_RE.match(value) or len(value) > max_length:
            self.fail(where, f"'{field}' must be a lowercase slug of at most {max_length} characters, got {value!r}")
            return None
        return value

    def choice(self, where, record, field, choices):
        value = record.get(field)
        if value not in choices:
            self.fail(where, f"'{field}' must be one of {', '.join(choices)}, got {value!r}")
        return value

    def items(self, where, record, field):
        value = record.get(field)
        if value is None:
            record[field] = []
            return []
        if not isinstance(value, list):
            self.fail(where, f"'{field}' must be a list")
            return []
        return value


def validate_org_data(data):
    """Check and normalise interchange data in place; raise OrgDataError listing every fault."""
    check = _Checker()
    if not isinstance(data, dict):
        raise OrgDataError(["top level: expected an object with 'offices' and 'subjects'"])
    subjects = check.items("top level", data, "subjects")
    offices = check.items("top level", data, "offices")

    subject_slugs = set()
    for index, subject in enumerate(subjects):
        where = f"subjects[{index}]"
        if not isinstance(subject, dict):
            check.fail(where, "expected an object")
            continue
        where = f"{subject.get('_source', 'subjects')}: subject {subject.get('slug', index)!r}"
        slug = check.slug(where, subject, model=Subject)
        if slug in subject_slugs:
            check.fail(where, "duplicate subject slug")
        subject_slugs.add(slug)
        check.text(where, subject, "name_en", model=Subject)
        check.text(where, subject, "name_zh", model=Subject)
        aliases = check.items(where, subject, "aliases")
        seen = set()
        for alias_index, alias in enumerate(aliases):
            alias_limit = SubjectAlias._meta.get_field("text").max_length
            if not isinstance(alias, str) or not alias.strip() or len(alias.strip()) > alias_limit:
                check.fail(where, f"aliases[{alias_index}] must be non-empty text of at most {alias_limit} characters")
            elif forbidden_character(alias) is not None:
                check.fail(where, f"aliases[{alias_index}] contains the control character "
                                  f"U+{ord(forbidden_character(alias)):04X}")
            elif alias.strip() in seen:
                check.fail(where, f"alias {alias!r} is listed twice")
            else:
                seen.add(alias.strip())
        subject["aliases"] = [alias.strip() for alias in aliases if isinstance(alias, str) and alias.strip()]
    parents = {}
    for subject in subjects:
        if isinstance(subject, dict):
            parent = subject.get("parent")
            if parent is not None and (not isinstance(parent, str) or parent not in subject_slugs):
                check.fail(f"subject {subject.get('slug')!r}", f"parent {parent!r} is not a subject")
            if isinstance(subject.get("slug"), str):
                parents[subject["slug"]] = parent if isinstance(parent, str) else None
    for slug in parents:
        seen, current = set(), slug
        while current is not None and current in parents:
            if current in seen:
                check.fail(f"subject {slug!r}", "its parents form a cycle")
                break
            seen.add(current)
            current = parents[current]

    office_slugs = set()
    for index, office in enumerate(offices):
        if not isinstance(office, dict):
            check.fail(f"offices[{index}]", "expected an object")
            continue
        where = f"{office.get('_source', 'offices')}: office {office.get('slug', index)!r}"
        slug = check.slug(where, office, model=Office)
        if slug in office_slugs:
            check.fail(where, "duplicate office slug")
        office_slugs.add(slug)
        check.text(where, office, "name_en", model=Office)
        check.text(where, office, "name_zh", model=Office)
        check.text(where, office, "source_file", model=Office)
        check.choice(where, office, "level", LEVELS)
        check.choice(where, office, "source_language", LANGUAGES)
        for field in OFFICE_TEXT_FIELDS:
            check.text(where, office, field, model=Office, required=False)
        _validate_date(check, where, office)
        posts = office.get("staffing_posts")
        if posts is not None and (isinstance(posts, bool) or not isinstance(posts, int) or not 0 <= posts < 10**6):
            check.fail(where, f"'staffing_posts' must be a whole number or null, got {posts!r}")
        for name_index, name in enumerate(check.items(where, office, "other_names")):
            name_where = f"{where}, other_names[{name_index}]"
            if not isinstance(name, dict):
                check.fail(name_where, "expected an object")
                continue
            check.text(name_where, name, "name_en", model=OfficeName)
            check.text(name_where, name, "name_zh", model=OfficeName)
            check.text(name_where, name, "quote", model=OfficeName, required=False)
        _validate_units(check, where, office, subject_slugs)
        for transfer_index, transfer in enumerate(check.items(where, office, "transfers")):
            transfer_where = f"{where}, transfers[{transfer_index}]"
            if not isinstance(transfer, dict):
                check.fail(transfer_where, "expected an object")
                continue
            check.choice(transfer_where, transfer, "direction", DIRECTIONS)
            check.text(transfer_where, transfer, "text_en", model=Transfer)
            check.text(transfer_where, transfer, "text_zh", model=Transfer)
            for field in ("quote", "body_en", "body_zh"):
                check.text(transfer_where, transfer, field, model=Transfer, required=False)
            for subject_slug in check.items(transfer_where, transfer, "subjects"):
                if not isinstance(subject_slug, str) or subject_slug not in subject_slugs:
                    check.fail(transfer_where, f"subject {subject_slug!r} is not in the subject taxonomy")
    if check.problems:
        raise OrgDataError(check.problems)
    return data


def _validate_date(check, where, office):
    value = office.get("document_date")
    if value in (None, ""):
        office["document_date"] = None
        return
    if isinstance(value, datetime.date):
        office["document_date"] = value.isoformat()
        return
    try:
        datetime.date.fromisoformat(str(value))
    except ValueError:
        check.fail(where, f"'document_date' must be YYYY-MM-DD, got {value!r}")


def _validate_units(check, where, office, subject_slugs):
    units = check.items(where, office, "units")
    seen = set()
    roots = 0
    for index, unit in enumerate(units):
        if not isinstance(unit, dict):
            check.fail(f"{where}, units[{index}]", "expected an object")
            continue
        unit_where = f"{where}, unit {unit.get('slug', index)!r}"
        slug = check.slug(unit_where, unit, model=Unit)
        if slug in seen:
            check.fail(unit_where, "duplicate unit slug in this office")
        parent = unit.setdefault("parent", None)  # a unit without one is a root, as for subjects
        if parent is None:
            roots += 1
        elif not isinstance(parent, str) or parent not in seen:
            check.fail(unit_where, f"parent {parent!r} is not a unit listed before it in this office")
        seen.add(slug)
        check.choice(unit_where, unit, "kind", UNIT_KINDS)
        check.text(unit_where, unit, "name_en", model=Unit)
        check.text(unit_where, unit, "name_zh", model=Unit)
        check.text(unit_where, unit, "source_label", model=Unit)
        for duty_index, duty in enumerate(check.items(unit_where, unit, "duties")):
            duty_where = f"{unit_where}, duties[{duty_index}]"
            if not isinstance(duty, dict):
                check.fail(duty_where, "expected an object with text_en and text_zh")
                continue
            check.text(duty_where, duty, "text_en", model=Duty)
            check.text(duty_where, duty, "text_zh", model=Duty)
        held = set()
        for entry_index, entry in enumerate(check.items(unit_where, unit, "subjects")):
            entry_where = f"{unit_where}, subjects[{entry_index}]"
            if not isinstance(entry, dict):
                check.fail(entry_where, "expected an object")
                continue
            subject_slug = entry.get("slug")
            if not isinstance(subject_slug, str) or subject_slug not in subject_slugs:
                check.fail(entry_where, f"subject {subject_slug!r} is not in the subject taxonomy")
            elif subject_slug in held:
                check.fail(entry_where, f"subject {subject_slug!r} is listed twice")
            else:
                held.add(subject_slug)
            for field in ("scope_en", "scope_zh"):
                check.text(entry_where, entry, field, model=PortfolioEntry, required=False)
            check.text(entry_where, entry, "quote", model=PortfolioEntry, required=False)
    if units and roots != 1:
        check.fail(where, f"expected exactly one root unit (parent: null), found {roots}")
    if not units:
        check.fail(where, "has no units")
