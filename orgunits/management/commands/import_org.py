import json
import sys

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError

from govoffice.terminal import printable
from orgunits.interchange import OrgDataError
from orgunits.services import org_import


class Command(BaseCommand):
    help = "Load a JSON file in the shape export_org writes. A faulty file changes nothing."

    def add_arguments(self, parser):
        parser.add_argument("file", help="Path of the JSON file ('-' for standard input).")

    def handle(self, *args, **options):
        path = options["file"]
        try:
            if path == "-":
                data = json.load(sys.stdin)
            else:
                with open(path, encoding="utf-8") as handle:
                    data = json.load(handle)
        except RecursionError as exc:
            raise CommandError(f"{path}: cannot be read as JSON: it is nested too deeply") from exc
        except (OSError, UnicodeDecodeError, ValueError) as exc:
            raise CommandError(f"{path}: cannot be read as JSON: {exc}") from exc
        try:
            stats = org_import(data=data)
        except OrgDataError as exc:
            raise CommandError(f"{path}: nothing was imported:\n" + "\n".join(exc.problems)) from exc
        except RecursionError as exc:
            raise CommandError(f"{path}: nothing was imported: the data is nested too deeply") from exc
        except DatabaseError as exc:
            # e.g. SQLite's "database is locked" while another import writes; the import is atomic.
            raise CommandError(printable(f"{path}: nothing was imported: the database refused the write "
                                         f"({str(exc).strip()}); try again when other writes have finished")) from exc
        self.stdout.write(
            self.style.SUCCESS(
                "Imported: {created} created, {updated} updated, {deleted} deleted.".format(**stats)
            )
        )
