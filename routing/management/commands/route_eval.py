import json

from django.core.management.base import BaseCommand, CommandError

from govoffice.terminal import printable
from routing.evaluation import CaseFileError, evaluate, read_cases
from routing.services import route_matter, routing_offices


class Command(BaseCommand):
    help = "Score the router on a JSONL file of routing cases: accuracy overall, by kind, lang and office."

    def add_arguments(self, parser):
        parser.add_argument("file", help="JSONL case file")
        parser.add_argument("--json", action="store_true", help="Print the report as JSON.")

    def handle(self, *args, **options):
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
