import json

from django.core.management.base import BaseCommand, CommandError

from orgunits.models import Office
from orgunits.selectors import org_export


class Command(BaseCommand):
    help = "Write the whole organisation (or one office) as JSON to standard output."

    def add_arguments(self, parser):
        parser.add_argument("--office", help="Only this office (its slug).")

    def handle(self, *args, **options):
        office = options.get("office")
        if office is not None and not Office.objects.filter(slug=office).exists():
            known = ", ".join(Office.objects.values_list("slug", flat=True)) or "none loaded"
            raise CommandError(f"Unknown office {office!r} (known: {known}).")
        data = org_export(office_slug=office)
        self.stdout.write(json.dumps(data, ensure_ascii=False, indent=2))
