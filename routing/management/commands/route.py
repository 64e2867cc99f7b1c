import json
import sys
import time

from django.core.management.base import BaseCommand, CommandError

from routing.forms import RouteForm, first_error
from routing.services import route_matter, routing_offices, routing_snapshot

FRESH_FOR = 1.0  # seconds a batch routes at the data version it read (an edit shows up within this)


class Command(BaseCommand):
    help = 'Route a matter to the responsible unit: route "TEXT" [--office SLUG] [--json], or --jsonl from stdin.'

    def add_arguments(self, parser):
        parser.add_argument("text", nargs="?", help="The matter, in English or Chinese.")
        parser.add_argument("--office", help="Only this office (slug); all offices when omitted.")
        parser.add_argument("--limit", type=int, default=5, help="Number of results (1-50).")
        parser.add_argument("--json", action="store_true", help="Print the result object as JSON.")
        parser.add_argument(
            "--jsonl", action="store_true", help='Read {"id", "query", "office"} lines from stdin; write one per line.'
        )

    def handle(self, *args, **options):
        if options["jsonl"]:
            if options["text"]:
                raise CommandError("Give either TEXT or --jsonl, not both.")
            self._jsonl()
            return
        offices = routing_offices()
        if options["text"] is None:
            raise CommandError('Give the matter to route, e.g. route "coal safety", or use --jsonl.')
        form = RouteForm({"q": options["text"], "office": options["office"] or "", "limit": options["limit"]},
                         offices=offices)
        if not form.is_valid():
            raise CommandError(first_error(form))
        result = route_matter(text=form.cleaned_data["q"], office=form.cleaned_data["office"],
                              limit=form.cleaned_data["limit"]).as_dict()
        if options["json"]:
            self.stdout.write(json.dumps(result, ensure_ascii=False, indent=2))
        else:
            self._table(result)

    def _jsonl(self):
        snapshot, read_at = None, 0.0
        for number, line in enumerate(sys.stdin, start=1):
            if not line.strip():
                continue
            if time.monotonic() - read_at > FRESH_FOR:  # one version check a second, not one per matter
                snapshot, read_at = routing_snapshot(), time.monotonic()
            case_id = None
            try:
                item = json.loads(line)
                if not isinstance(item, dict):
                    raise ValueError("expected an object")
                case_id = item.get("id")
                form = RouteForm({"q": item.get("query") if isinstance(item.get("query"), str) else "",
                                  "office": item.get("office") or "", "limit": item.get("limit") or 5},
                                 offices=snapshot.offices)
                if not form.is_valid():
                    raise ValueError(first_error(form))
                result = route_matter(text=form.cleaned_data["q"], office=form.cleaned_data["office"],
                                      limit=form.cleaned_data["limit"], snapshot=snapshot).as_dict()
                output = {"id": case_id, **result}
            except ValueError as exc:
                output = {"id": case_id, "error": f"line {number}: {exc}"}
            self.stdout.write(json.dumps(output, ensure_ascii=False))

    def _table(self, result):
        scope = result["office"] or "all offices"
        self.stdout.write(f"{result['query']!r} in {scope}")
        if result["transfer"]:
            transfer = result["transfer"]
            self.stdout.write(f"No unit: this function moved out of the office: {transfer['text']}")
            self.stdout.write(f"  now with: {transfer['to'] or 'the source does not say'}")
            return
        if not result["results"]:
            self.stdout.write("No unit found: nothing in the data covers this matter.")
            return
        self.stdout.write(f"{'#':<3}{'office':<11}{'unit':<40}{'score':>6}  reason")
        for rank, item in enumerate(result["results"], start=1):
            reason = item["reasons"][0] if item["reasons"] else {}
            why = f"{reason.get('kind', '')}: {reason.get('text_en', '')[:60]}"
            tie = " (tie)" if item["tie"] else ""
            self.stdout.write(f"{rank:<3}{item['office']:<11}{item['unit']:<40}{item['score']:>6.2f}  {why}{tie}")
            self.stdout.write(f"{'':<14}{item['name_en']} / {item['name_zh']}")
        self.stdout.write("confident" if result["confident"] else "not confident: check the reasons")
