from django.core.management.base import BaseCommand

from routing.services import routing_snapshot
from routing.training import router_train


class Command(BaseCommand):
    help = ("Train the learned routing layer on the starter log and every routing record, and put it in use. "
            "Does nothing when nothing it learns from has changed.")

    def add_arguments(self, parser):
        parser.add_argument("--force", action="store_true", help="Train even when nothing has changed.")

    def handle(self, *args, **options):
        row, trained = router_train(index=routing_snapshot(learned=False).index, force=options["force"])
        if trained:
            self.stdout.write(f"Trained on {row.records} records and the starter log in {row.seconds:.1f} s "
                              f"(model {row.pk}, {len(row.blob) / 1e6:.1f} MB).")
        else:
            self.stdout.write(f"Up to date: model {row.pk} was trained on the same {row.records} records "
                              "and starter log.")
