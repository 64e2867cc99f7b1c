import sys

from django.core.management.base import BaseCommand, CommandError
from django.db import OperationalError

from govoffice.terminal import printable
from routing.record_interchange import RecordFileError, detect_format, open_text
from routing.services import records_import


class Command(BaseCommand):
    help = (
        "Import routing records from JSON lines or CSV (fields office, text, unit, and optionally subject, "
        "outcome, date, id). A bad line changes nothing; records with an id already imported are updated."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="Path of the file ('-' for standard input).")
        parser.add_argument("--format", choices=("jsonl", "csv"), help="Override the format detected.")

    def handle(self, *args, **options):
        path = options["file"]
        try:
            data = sys.stdin.buffer.read() if path == "-" else open(path, "rb").read()
        except OSError as exc:
            raise CommandError(printable(f"{path}: cannot be read: {exc.strerror or exc}")) from None
        try:
            handle = open_text(data)
        except UnicodeDecodeError as exc:
            line = data[: exc.start].count(b"\n") + 1
            raise CommandError(f"{printable(path)}: nothing was imported: line {line}: not UTF-8 text") from None
        file_format = options["format"] or detect_format(name=path, head=handle.getvalue()[:64])
        try:
            stats = records_import(handle=handle, file_format=file_format)
        except RecordFileError as exc:
            raise CommandError(printable(f"{path}: nothing was imported: {exc}")) from None
        except OperationalError as exc:
            raise CommandError(printable(f"{path}: nothing was imported: the database refused ({exc})")) from None
        total = sum(stats.values())
        self.stdout.write(self.style.SUCCESS(
            "{total} records: {created} created, {updated} updated, {unchanged} unchanged.".format(total=total, **stats)
        ))
