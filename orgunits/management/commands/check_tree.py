from django.core.management.base import BaseCommand, CommandError

from orgunits.services import org_tree_faults, org_tree_rebuild


class Command(BaseCommand):
    help = (
        "Check every office's unit tree (mptt fields, one root per office, unique slugs); "
        "exit non-zero naming each fault. --repair rebuilds the tree fields from the parent links."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--repair", action="store_true", help="Rebuild the tree fields, then check again."
        )

    def handle(self, *args, **options):
        faults = org_tree_faults()
        if faults and options["repair"]:
            self.stdout.write(f"{len(faults)} fault(s) found; rebuilding the tree fields.")
            org_tree_rebuild()
            faults = org_tree_faults()
            if faults:
                faults.append("(these need a data fix: a rebuild cannot repair them)")
            else:
                self.stdout.write(self.style.SUCCESS("Repaired: every office tree is consistent."))
                return
        if faults:
            raise CommandError("The unit trees are inconsistent:\n" + "\n".join(f"  {fault}" for fault in faults))
        self.stdout.write(self.style.SUCCESS("Every office tree is consistent."))
