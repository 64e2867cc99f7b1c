"""Every change is recorded (who, when, what), shown in the admin, and revertable; routing follows a revert."""
import pytest
from django.urls import reverse

from orgunits.models import Duty, Office, PortfolioEntry, Subject, SubjectAlias, Transfer, Unit
from orgunits.services import IMPORT_REASON
from routing import services as routing
from routing.models import IndexVersion

pytestmark = pytest.mark.django_db

TRACKED = [Office, Unit, Duty, PortfolioEntry, Subject, SubjectAlias, Transfer]


def top(text, office):
    result = routing.route_matter(text=text, office=office)
    return result.results[0].unit if result.results else None


def history_form(client, record):
    """Open the admin's page for one past version and return (url, the form's data)."""
    model_name = record.instance_type._meta.model_name
    url = reverse(f"admin:orgunits_{model_name}_simple_history", args=[record.id, record.history_id])
    page = client.get(url)
    assert page.status_code == 200
    form = page.context["adminform"].form
    data = {}
    for name in form.fields:
        value = form[name].value()
        if value is None or value is False:
            continue
        data[name] = [str(item) for item in value] if isinstance(value, (list, tuple)) else str(value)
    return url, data


@pytest.mark.parametrize("model", TRACKED, ids=lambda model: model.__name__)
def test_every_tracked_model_has_history_from_the_import(model):
    obj = model.objects.order_by("pk").first()
    record = obj.history.earliest()
    assert record.history_type == "+"
    assert record.history_change_reason == IMPORT_REASON


def test_unit_history_leaves_out_the_tree_bookkeeping():
    fields = {field.name for field in Unit.history.model._meta.fields}
    assert {"parent", "slug", "name_en", "order"} <= fields
    assert not {"lft", "rght", "tree_id", "level"} & fields


def test_an_admin_edit_records_who_when_and_what(admin_client_logged_in, django_user_model):
    duty = Duty.objects.filter(unit__office__slug="jilin").order_by("pk").first()
    page = admin_client_logged_in.get(reverse("admin:orgunits_duty_change", args=[duty.pk]))
    data = {"unit": duty.unit_id, "order": duty.order, "text_en": "Rewritten duty", "text_zh": duty.text_zh}
    response = admin_client_logged_in.post(reverse("admin:orgunits_duty_change", args=[duty.pk]), data)
    assert page.status_code == 200 and response.status_code == 302
    new, old = duty.history.all()[:2]
    assert new.history_user == django_user_model.objects.get(username="root")
    assert new.history_date >= old.history_date
    delta = new.diff_against(old)
    assert delta.changed_fields == ["text_en"]
    assert delta.changes[0].new == "Rewritten duty"
    listing = admin_client_logged_in.get(reverse("admin:orgunits_duty_history", args=[duty.pk]))
    assert listing.status_code == 200
    content = listing.content.decode()
    assert "root" in content and "Rewritten duty" in content


def test_deletes_are_recorded_too():
    entry = PortfolioEntry.objects.order_by("pk").first()
    pk = entry.pk
    entry.delete()
    assert PortfolioEntry.history.filter(id=pk).latest().history_type == "-"


def test_a_revert_changes_the_routing_answer_like_any_edit(admin_client_logged_in, django_capture_on_commit_callbacks):
    """Move tourism from Secretariat 3 to Secretariat 1, then revert the entry from its history page."""
    assert top("tourism", "shanxi") == "secretariat-3"
    entry = PortfolioEntry.objects.get(unit__office__slug="shanxi", unit__slug="secretariat-3", subject__slug="tourism")
    before_edit = entry.history.latest()
    # An edit made elsewhere (another process); the revert below is then the only change here.
    elsewhere = Unit.objects.get(office__slug="shanxi", slug="secretariat-1")
    PortfolioEntry.objects.filter(pk=entry.pk).update(unit=elsewhere)
    routing.routing_index_invalidate()
    assert top("tourism", "shanxi") != "secretariat-3"
    version = IndexVersion.objects.get(pk=1).version
    url, data = history_form(admin_client_logged_in, before_edit)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = admin_client_logged_in.post(url, data)
    assert response.status_code == 302
    assert callbacks, "the revert scheduled a routing index bump"
    assert IndexVersion.objects.get(pk=1).version > version
    entry.refresh_from_db()
    assert entry.unit.slug == "secretariat-3"
    assert top("tourism", "shanxi") == "secretariat-3"
    assert entry.history.latest().history_user.username == "root"


def test_a_deleted_alias_comes_back_from_its_history(admin_client_logged_in, django_capture_on_commit_callbacks):
    alias = SubjectAlias.objects.get(subject__slug="tourism", text="旅行社")
    pk = alias.pk
    with django_capture_on_commit_callbacks(execute=True):
        alias.delete()
    record = SubjectAlias.history.filter(id=pk, history_type="+").latest()
    listing = admin_client_logged_in.get(reverse("admin:orgunits_subjectalias_history", args=[pk]))
    assert listing.status_code == 200
    url, data = history_form(admin_client_logged_in, record)
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client_logged_in.post(url, data)
    assert response.status_code == 302
    assert SubjectAlias.objects.filter(pk=pk, text="旅行社").exists()


def test_an_office_fact_is_reverted(admin_client_logged_in):
    office = Office.objects.get(slug="jilin")
    original = office.telephone
    record = office.history.latest()
    office.telephone = "000"
    office.save()
    url, data = history_form(admin_client_logged_in, record)
    data.update({"other_names-TOTAL_FORMS": 0, "other_names-INITIAL_FORMS": 0})
    response = admin_client_logged_in.post(url, data)
    assert response.status_code == 302
    office.refresh_from_db()
    assert office.telephone == original


def test_an_editor_restores_a_deleted_duty_from_its_history(client, django_user_model):
    from orgunits.models import OfficeEditor

    editor = django_user_model.objects.create_user("jilin-editor", password="pw-for-tests", is_staff=True)
    OfficeEditor.objects.create(user=editor, office=Office.objects.get(slug="jilin"))
    client.force_login(editor)
    duty = Duty.objects.filter(unit__office__slug="jilin").order_by("pk").first()
    pk, text = duty.pk, duty.text_en
    response = client.post(reverse("admin:orgunits_duty_delete", args=[pk]), {"post": "yes"}, follow=True)
    history_url = reverse("admin:orgunits_duty_history", args=[pk])
    assert history_url in response.content.decode()  # the message points to where it can be restored
    assert not Duty.objects.filter(pk=pk).exists()
    assert client.get(history_url).status_code == 200
    record = Duty.history.filter(id=pk).exclude(history_type="-").latest()
    url, data = history_form(client, record)
    assert client.post(url, data).status_code == 302
    assert Duty.objects.get(pk=pk).text_en == text
    assert Duty.history.filter(id=pk).latest().history_user == editor
