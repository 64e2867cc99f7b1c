"""No edit may corrupt a unit tree or silently cascade data away; check_tree finds what went wrong."""
import io
import random
import threading

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, connections
from django.urls import reverse

from orgunits.models import Duty, Office, PortfolioEntry, Unit
from orgunits.services import unit_create, unit_delete, unit_move, unit_save

pytestmark = pytest.mark.django_db


def unit(office, slug):
    return Unit.objects.get(office__slug=office, slug=slug)


def check_tree(*args):
    out = io.StringIO()
    call_command("check_tree", *args, stdout=out)
    return out.getvalue()


def tree_fields():
    return sorted(Unit.objects.values_list("pk", "parent_id", "tree_id", "lft", "rght", "level"))


# Moves ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("slug", "new_parent", "message"),
    [
        ("research-office", ("shanxi", "research-office"), "under itself"),
        ("research-office", ("shanxi", "research-division-1"), "under itself or one of its own sub-units"),
        ("research-division-1", ("jilin", "general-office"), "into another office"),
        ("general-office", ("shanxi", "secretariat-1"), "root unit of an office cannot be moved"),
    ],
)
def test_a_move_that_would_break_the_tree_is_refused_and_changes_nothing(slug, new_parent, message):
    before = tree_fields()
    with pytest.raises(ValidationError, match=message):
        unit_move(unit=unit("shanxi", slug), new_parent=unit(*new_parent))
    assert tree_fields() == before


def test_an_edit_from_a_stale_copy_does_not_write_old_tree_positions():
    """Someone loaded the page, someone else moved units, then the first person saved."""
    stale = unit("shanxi", "secretariat-6")
    unit_move(unit=unit("shanxi", "research-division-1"), new_parent=unit("shanxi", "secretariat-1"))
    stale.name_en = "Renamed from a stale page"
    unit_save(unit=stale)
    assert check_tree().startswith("Every office tree is consistent")
    assert unit("shanxi", "secretariat-6").name_en == "Renamed from a stale page"


def test_moving_a_stale_copy_back_to_its_old_parent_is_a_real_move():
    """mptt compares with the parent it saw at load time; someone else's move in between must not fool it."""
    stale = unit("shanxi", "research-division-1")  # under research-office
    unit_move(unit=unit("shanxi", "research-division-1"), new_parent=unit("shanxi", "secretariat-1"))
    unit_move(unit=stale, new_parent=unit("shanxi", "research-office"))
    assert unit("shanxi", "research-division-1").parent.slug == "research-office"
    assert check_tree().startswith("Every office tree is consistent")
    stale.name_en = "Saved again from the caller's copy"
    stale.save()  # the copy knows where it now stands
    assert check_tree().startswith("Every office tree is consistent")


def test_a_unit_cannot_change_office():
    moved = unit("shanxi", "secretariat-6")
    moved.office = Office.objects.get(slug="jilin")
    moved.parent = unit("jilin", "general-office")
    with pytest.raises(ValidationError, match="another office"):
        unit_save(unit=moved)
    assert unit("shanxi", "secretariat-6").parent.slug == "general-office"


def test_changing_the_order_moves_the_unit_among_its_siblings():
    last = unit("shanxi", "secretariat-6")
    last.order = 0
    unit_save(unit=last)
    first_child = unit("shanxi", "general-office").get_children().first()
    assert first_child.slug == "secretariat-6"
    assert check_tree().startswith("Every office tree is consistent")


def test_created_units_take_their_place_in_the_tree():
    parent = unit("jilin", "emergency-management-office")
    created = unit_create(office=parent.office, parent=parent, slug="new-division", kind="division",
                          name_en="New Division", name_zh="新处", order=99)
    parent.refresh_from_db()
    assert created.is_descendant_of(parent) and list(parent.get_children())[-1] == created
    with pytest.raises(ValidationError, match="needs a parent"):
        unit_create(office=parent.office, parent=None, slug="second-root", kind="office", name_en="x", name_zh="x")
    assert check_tree().startswith("Every office tree is consistent")


# Deletes ----------------------------------------------------------------------------------------


def test_a_unit_with_sub_units_is_never_deleted():
    parent = unit("shanxi", "research-office")
    with pytest.raises(ValidationError, match="sub-units"):
        unit_delete(unit=parent, with_content=True)
    assert Unit.objects.filter(pk=parent.pk).exists()


def test_the_root_is_never_deleted():
    with pytest.raises(ValidationError, match="root"):
        unit_delete(unit=unit("hunan", "general-office"), with_content=True)


def test_duties_and_portfolio_go_only_with_explicit_intent():
    leaf = unit("shanxi", "secretariat-3")
    duties, entries = leaf.duties.count(), leaf.portfolio.count()
    assert duties and entries
    with pytest.raises(ValidationError, match="confirm"):
        unit_delete(unit=leaf)
    assert leaf.duties.count() == duties and leaf.portfolio.count() == entries
    unit_delete(unit=leaf, with_content=True)
    assert not Unit.objects.filter(pk=leaf.pk).exists()
    assert not Duty.objects.filter(unit_id=leaf.pk).exists()
    assert check_tree().startswith("Every office tree is consistent")


def test_the_admin_delete_page_asks_before_deleting_duties(admin_client_logged_in):
    leaf = unit("shanxi", "secretariat-3")
    url = reverse("admin:orgunits_unit_delete", args=[leaf.pk])
    page = admin_client_logged_in.get(url)
    content = page.content.decode()
    assert page.status_code == 200 and "confirm that they are to be deleted with it" in content
    assert "?with_content=1" in content
    # A bare confirmation (as a crafted POST would send) deletes nothing...
    response = admin_client_logged_in.post(url, {"post": "yes"})
    assert response.status_code == 200 and Unit.objects.filter(pk=leaf.pk).exists()
    # ...the explicit second step does, and takes the duties with it.
    assert admin_client_logged_in.get(url + "?with_content=1").status_code == 200
    response = admin_client_logged_in.post(url + "?with_content=1", {"post": "yes"})
    assert response.status_code == 302
    assert not Unit.objects.filter(pk=leaf.pk).exists() and not PortfolioEntry.objects.filter(unit_id=leaf.pk).exists()


def test_the_admin_never_deletes_a_unit_with_sub_units(admin_client_logged_in):
    parent = unit("shanxi", "research-office")
    url = reverse("admin:orgunits_unit_delete", args=[parent.pk])
    response = admin_client_logged_in.post(url + "?with_content=1", {"post": "yes"})
    assert response.status_code == 200 and "sub-units" in response.content.decode()
    assert Unit.objects.filter(pk=parent.pk).exists()


def test_bulk_delete_refuses_units_with_content_or_sub_units(admin_client_logged_in):
    chosen = [unit("shanxi", "research-office").pk, unit("shanxi", "secretariat-3").pk]
    response = admin_client_logged_in.post(
        reverse("admin:orgunits_unit_changelist"),
        {"action": "delete_selected", "_selected_action": chosen, "post": "yes"},
    )
    assert response.status_code == 200
    assert Unit.objects.filter(pk__in=chosen).count() == 2


def test_bulk_delete_of_empty_leaves_keeps_the_tree_consistent(admin_client_logged_in):
    parent = unit("jilin", "emergency-management-office")
    made = [
        unit_create(office=parent.office, parent=parent, slug=f"empty-{n}", kind="section", name_en="x", name_zh="x")
        for n in range(3)
    ]
    response = admin_client_logged_in.post(
        reverse("admin:orgunits_unit_changelist"),
        {"action": "delete_selected", "_selected_action": [u.pk for u in made], "post": "yes"},
    )
    assert response.status_code == 302
    assert not Unit.objects.filter(pk__in=[u.pk for u in made]).exists()
    assert check_tree().startswith("Every office tree is consistent")


# check_tree -------------------------------------------------------------------------------------


def test_check_tree_passes_on_the_loaded_data():
    assert check_tree() == "Every office tree is consistent.\n"


def test_check_tree_names_a_corrupted_unit_and_repair_fixes_it():
    Unit.objects.filter(office__slug="zhengzhou", slug="secretariat-4").update(lft=999)
    with pytest.raises(CommandError, match="office zhengzhou: unit secretariat-4 has inconsistent tree fields"):
        check_tree()
    assert "Repaired" in check_tree("--repair")
    assert check_tree().startswith("Every office tree is consistent")


def test_check_tree_reports_a_second_root_and_cannot_repair_it():
    stray = unit("hunan", "general-office").get_children().first()
    Unit.objects.filter(pk=stray.pk).update(parent=None)
    with pytest.raises(CommandError, match="office hunan: expected one root unit, found 2"):
        check_tree()
    with pytest.raises(CommandError, match="a rebuild cannot repair them"):
        check_tree("--repair")


def test_check_tree_reports_cross_office_parents_and_bad_slugs():
    Unit.objects.filter(office__slug="jilin", slug="secretariat").update(parent=unit("shanxi", "general-office"))
    Unit.objects.filter(office__slug="hunan", slug="general-office").update(slug="Not A Slug")
    with pytest.raises(CommandError) as excinfo:
        check_tree()
    message = str(excinfo.value)
    assert "office jilin: unit secretariat has a parent in another office" in message
    assert "office hunan: unit 'Not A Slug' has an invalid slug" in message


def test_check_tree_reports_an_office_without_units():
    Office.objects.create(slug="empty", name_en="Empty", name_zh="空", level="city", source_file="x",
                          source_language="en")
    with pytest.raises(CommandError, match="office empty: has no units"):
        check_tree()


def test_a_history_revert_of_a_move_moves_the_unit_back(admin_client_logged_in):
    moved = unit("shanxi", "research-division-1")
    record = moved.history.latest()
    unit_move(unit=moved, new_parent=unit("shanxi", "secretariat-1"))
    url = reverse("admin:orgunits_unit_simple_history", args=[moved.pk, record.history_id])
    page = admin_client_logged_in.get(url)
    form = page.context["adminform"].form
    data = {name: form[name].value() for name in form.fields if form[name].value() is not None}
    response = admin_client_logged_in.post(url, data)
    assert response.status_code == 302
    assert unit("shanxi", "research-division-1").parent.slug == "research-office"
    assert check_tree().startswith("Every office tree is consistent")


# Concurrency (PostgreSQL) -----------------------------------------------------------------------

THREADS, OPERATIONS = 8, 50
HOT_UNITS = 8


@pytest.fixture
def org_data_reloaded(django_db_blocker):
    """A transactional test empties the tables afterwards; put the organisation data back."""
    yield
    from orgunits.services import org_load_fixtures

    with django_db_blocker.unblock():
        org_load_fixtures(directory=settings.ORG_FIXTURES_DIR)


@pytest.mark.postgres
@pytest.mark.skipif(
    not settings.DATABASES["default"]["ENGINE"].endswith("postgresql"), reason="needs DATABASE_URL=postgres://…"
)
def test_concurrent_moves_and_inserts_keep_every_tree_consistent(org_data_reloaded, transactional_db):
    offices = ["jilin", "shanxi"]
    failures, refused, created = [], [], []
    start = threading.Barrier(THREADS)

    def work(number):
        rng = random.Random(number)
        try:
            start.wait()
            for step in range(OPERATIONS):
                office = rng.choice(offices)
                # A few units per office, so that threads keep working on the same nodes.
                units = list(Unit.objects.filter(office__slug=office).order_by("pk")[:HOT_UNITS])
                target = rng.choice(units[1:])
                parent = rng.choice(units)
                try:
                    if rng.random() < 0.4:
                        made = unit_create(office=target.office, parent=parent, slug=f"t{number}-{step}",
                                           kind="section", name_en=f"Unit {number}-{step}", name_zh="新科",
                                           order=rng.randint(0, 30))
                        created.append(made.pk)
                    else:
                        unit_move(unit=target, new_parent=parent)
                except ValidationError as exc:  # a cycle, judged under the lock: refused, not corrupted
                    refused.append(str(exc))
        except Exception as exc:  # noqa: BLE001 - reported below with the thread
            failures.append(f"thread {number}: {exc!r}")
        finally:
            connections.close_all()

    before = Unit.objects.count()
    threads = [threading.Thread(target=work, args=(number,)) for number in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert not failures, failures
    assert Unit.objects.count() == before + len(created)
    assert check_tree().startswith("Every office tree is consistent")
    assert connection.vendor == "postgresql"
