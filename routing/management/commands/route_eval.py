import json

from django.core.management.base import BaseCommand, CommandError

from govoffice.terminal import printable
from routing import learning
from routing.charts import learning_curve_svg
from routing.evaluation import CaseFileError, evaluate, learning_curve, read_cases
from routing.record_interchange import RecordFileError, detect_format, read_lines
from routing.services import route_matter, routing_offices, routing_snapshot
from routing.training import starter_log, unit_subjects

CURVE_SIZES = (0, 100, 1000, None)


class Command(BaseCommand):
    help = ("Score the router on a JSONL file of routing cases: accuracy overall, by kind, lang and office. "
            "With --folds K, FILE is a records file (as for import_records) and learning from it is "
            "cross-validated: accuracy with 0, 100, 1,000 and all records per office.")

    def add_arguments(self, parser):
        parser.add_argument("file", help="JSONL case file, or a records file with --folds")
        parser.add_argument("--json", action="store_true", help="Print the report as JSON.")
        parser.add_argument("--folds", type=int, default=0, help="Cross-validate learning from a records file.")
        parser.add_argument("--svg", help="With --folds: also draw the learning curve into this SVG file.")

    def handle(self, *args, **options):
        if options["folds"]:
            return self.cross_validate(options)
        try:
            with open(options["file"], encoding="utf-8") as handle:
                cases = read_cases(handle)
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(printable(f"{options['file']}: cannot be read: {exc}")) from exc
        except CaseFileError as exc:
            raise CommandError(printable(f"{options['file']}: {exc}")) from exc
        known = {slug for slug, _ in routing_offices()}
        for case in cases:
            if case["office"] not in known:
                raise CommandError(printable(f"{options['file']}: case {str(case['id'])[:80]!r}: unknown office "
                                             f"{str(case['office'])[:80]!r} (known: {', '.join(sorted(known))})"))
        report = evaluate(cases, lambda query, office: route_matter(text=query, office=office).as_dict())
        if options["json"]:
            self.stdout.write(json.dumps(report, ensure_ascii=False, indent=2))
            return
        self.stdout.write(f"overall  {report['correct']}/{report['total']}  {report['accuracy']:.1%}")
        for group in ("kind", "lang", "office"):
            self.stdout.write(f"\nby {group}")
            for key, counts in report[f"by_{group}"].items():
                self.stdout.write(f"  {key:<14} {counts['correct']:>3}/{counts['total']:<3} {counts['accuracy']:.1%}")
        self.stdout.write(f"\nfailures ({len(report['failures'])})")
        for failure in report["failures"]:
            got = failure["got"] or ("transfer" if failure["transfer"] else "no unit")
            self.stdout.write(printable(
                f"  {failure['id']:<14} [{failure['kind']}] {failure['query']!r}: expected "
                f"{failure['expect'] or 'no unit'}, got {got}"
            ))

    def read_records(self, path, index):
        """The file's records as {office, text, unit}; unknown offices and units are errors by line."""
        units = {(office, unit.slug) for office in index.offices for unit in index.units[office]}
        records = []
        try:
            with open(path, encoding="utf-8", newline="") as handle:
                file_format = detect_format(name=path, head=handle.read(1))
                handle.seek(0)
                for number, raw in read_lines(handle=handle, file_format=file_format):
                    office, text, unit = (str(raw.get(name) or "").strip() for name in ("office", "text", "unit"))
                    if office not in index.units:
                        raise CommandError(printable(f"{path}: line {number}: unknown office {office[:80]!r}"))
                    if unit and (office, unit) not in units:
                        raise CommandError(printable(f"{path}: line {number}: {office} has no unit {unit[:80]!r}"))
                    if not text:
                        raise CommandError(f"{path}: line {number}: the text is empty")
                    records.append({"office": office, "text": text, "unit": unit or None, "subject": None})
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(printable(f"{path}: cannot be read: {exc}")) from exc
        except RecordFileError as exc:
            raise CommandError(printable(f"{path}: {exc}")) from exc
        return records

    def cross_validate(self, options):
        if options["folds"] < 2:
            raise CommandError("--folds needs at least 2 folds")
        index = routing_snapshot(learned=False).index
        records = self.read_records(options["file"], index)
        if not records:
            raise CommandError(f"{options['file']}: no records")
        starter, held = starter_log(), unit_subjects(index)
        trained = {}

        def train(training):
            if not training:  # the zero-shot model is the same in every fold
                if "starter" not in trained:
                    trained["starter"] = learning.train([], starter, held)
                return trained["starter"]
            return learning.train(training, starter, held)

        def route(model, text, office):
            result = learning.route(index, model, text, office=office, limit=1)
            return result.results[0].unit if result.results else None

        curve = learning_curve(records, folds=options["folds"], sizes=CURVE_SIZES, train=train, route=route)
        if options["svg"]:
            with open(options["svg"], "w", encoding="utf-8") as handle:
                handle.write(learning_curve_svg(curve))
        if options["json"]:
            self.stdout.write(json.dumps(curve, indent=2))
            return
        offices = sorted({office for point in curve for office in point["by_office"]})
        self.stdout.write(f"{options['folds']}-fold cross-validation on {len(records)} records")
        self.stdout.write("records/office  overall  " + "  ".join(f"{office:>10}" for office in offices))
        for point in curve:
            self.stdout.write(f"{point['records_per_office']:>14}  {point['accuracy']:>7.1%}  "
                              + "  ".join(f"{point['by_office'].get(office, 0):>10.1%}" for office in offices))
