from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError

from govoffice.terminal import printable
from orgunits.interchange import OrgDataError
from orgunits.services import org_load_fixtures


class Command(BaseCommand):
    help = "Load every office and the subject taxonomy from fixtures/ (atomic and idempotent)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--dir", default=str(settings.ORG_FIXTURES_DIR), help="Fixture folder (default: the project's fixtures/)."
        )

    def handle(self, *args, **options):
        try:
            stats = org_load_fixtures(directory=options["dir"])
        except OrgDataError as exc:
            raise CommandError(printable("Nothing was loaded:\n" + "\n".join(exc.problems))) from exc
        except DatabaseError as exc:
            # e.g. SQLite's "database is locked" while another import writes; the load is atomic.
            raise CommandError(printable(f"Nothing was loaded: the database refused the write ({str(exc).strip()}); "
                                         "try again when other writes have finished")) from exc
        self.stdout.write(
            self.style.SUCCESS(
                "Organisation data loaded: {created} created, {updated} updated, {deleted} deleted.".format(**stats)
            )
        )
