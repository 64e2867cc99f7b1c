from django.core.management.base import BaseCommand, CommandError

from govoffice.terminal import printable
from routing.record_interchange import write_records
from routing.selectors import export_records, office_by_slug


class Command(BaseCommand):
    help = "Write the routing records to stdout in the format import_records reads (JSON lines or CSV)."

    def add_arguments(self, parser):
        parser.add_argument("--office", help="Only this office's records (slug).")
        parser.add_argument("--format", choices=("jsonl", "csv"), default="jsonl", help="jsonl (default) or csv.")

    def handle(self, *args, **options):
        office = options["office"]
        if office is not None and office_by_slug(slug=office) is None:
            raise CommandError(printable(f"Unknown office {office!r}."))
        write_records(rows=export_records(office=office), stream=self.stdout, file_format=options["format"])
