"""Clerks record routed matters on /route/, and see only their offices' records in the admin."""
import re

import pytest
from django.test import Client
from django.urls import reverse

from orgunits.models import Office, OfficeEditor, Unit
from routing import services
from routing.access import recording_office_ids
from routing.models import OfficeRecorder, RoutingRecord

pytestmark = pytest.mark.django_db

OWN, OTHER = "shanxi", "jilin"
MATTER = "tourism complaints"


def make_user(django_user_model, name, *, staff=True, records=(), edits=()):
    user = django_user_model.objects.create_user(name, password="pw-for-tests", is_staff=staff)
    for slug in records:
        OfficeRecorder.objects.create(user=user, office=Office.objects.get(slug=slug))
    for slug in edits:
        OfficeEditor.objects.create(user=user, office=Office.objects.get(slug=slug))
    return user


def client_for(user):
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def clerk(django_user_model):
    return make_user(django_user_model, "clerk", records=[OWN])


@pytest.fixture
def clerk_client(clerk):
    return client_for(clerk)


def suggestion(office=OWN, text=MATTER):
    result = services.route_matter(text=text, office=office)
    return result.results[0].unit if result.results else ""


def other_unit(office, *not_these):
    return Unit.objects.filter(office__slug=office).exclude(slug__in=not_these).order_by("pk").first()


def record_post(client, *, decision, unit="-", office=OWN, q=MATTER, suggested=None, reason=""):
    return client.post(reverse("routing:record"), {
        "q": q, "office": office, "suggested": suggestion(office, q) if suggested is None else suggested,
        "unit": unit, "reason": reason, "decision": decision,
    })


def test_a_clerk_sees_the_record_form_with_the_suggestion_chosen(clerk_client):
    html = clerk_client.post("/route/", {"q": MATTER, "office": OWN}).content.decode()
    assert 'action="/route/record/"' in html and "csrfmiddlewaretoken" in html
    assert f'name="suggested" value="{suggestion()}"' in html
    assert re.search(rf'<option value="{suggestion()}" selected>', html)
    assert html.count("<option") >= Unit.objects.filter(office__slug=OWN).count()


def test_no_form_for_all_offices_another_office_a_non_clerk_or_a_visitor(clerk_client, django_user_model, client):
    assert "routing:record" not in clerk_client.get("/route/", {"q": MATTER}).content.decode()
    for html in (
        clerk_client.get("/route/", {"q": MATTER}).content.decode(),
        clerk_client.get("/route/", {"q": MATTER, "office": OTHER}).content.decode(),
        client_for(make_user(django_user_model, "staff")).get("/route/", {"q": MATTER, "office": OWN}).content.decode(),
        client.get("/route/", {"q": MATTER, "office": OWN}).content.decode(),
    ):
        assert 'action="/route/record/"' not in html


def test_confirming_records_the_suggestion_and_goes_back_with_a_message(clerk_client, clerk,
                                                                        django_capture_on_commit_callbacks):
    version = services.routing_records_version()
    with django_capture_on_commit_callbacks(execute=True):
        response = record_post(clerk_client, decision="confirm", reason="as usual")
    assert response.status_code == 302 and response.url == "/route/?office=shanxi"
    record = RoutingRecord.objects.get()
    assert (record.office.slug, record.text, record.unit.slug, record.suggested_unit.slug, record.outcome) == (
        OWN, MATTER, suggestion(), suggestion(), "confirmed")
    assert record.recorded_by == clerk and record.source == "clerk" and record.reason == "as usual"
    assert services.routing_records_version() == version + 1
    page = clerk_client.get(response.url).content.decode()
    assert "Recorded:" in page and 'selected>' in page


def test_choosing_another_unit_is_a_correction_and_no_unit_is_recorded_as_such(clerk_client):
    chosen = other_unit(OWN, suggestion())
    assert record_post(clerk_client, decision="choose", unit=chosen.slug).status_code == 302
    assert record_post(clerk_client, decision="choose", unit="-").status_code == 302
    assert record_post(clerk_client, decision="choose", unit=suggestion()).status_code == 302
    corrected, no_unit, confirmed = RoutingRecord.objects.order_by("pk")
    assert (corrected.outcome, corrected.unit, corrected.suggested_unit.slug) == ("corrected", chosen, suggestion())
    assert (no_unit.outcome, no_unit.unit) == ("no_unit", None)
    assert (confirmed.outcome, confirmed.unit.slug) == ("confirmed", suggestion())


def test_when_the_router_found_nothing_a_clerk_can_still_name_the_unit(clerk_client):
    unit = other_unit(OWN)
    assert record_post(clerk_client, decision="choose", unit=unit.slug, suggested="", q="zzzz qqqq").status_code == 302
    record = RoutingRecord.objects.get()
    assert record.suggested_unit is None and record.outcome == "corrected" and record.unit == unit


def test_recording_is_refused_to_visitors_non_clerks_and_for_other_offices(client, clerk_client, django_user_model):
    assert record_post(client, decision="confirm").status_code == 403
    staff = client_for(make_user(django_user_model, "staff"))
    assert record_post(staff, decision="confirm").status_code == 403
    assert record_post(clerk_client, decision="confirm", office=OTHER).status_code == 403
    assert clerk_client.get(reverse("routing:record")).status_code == 405
    assert not RoutingRecord.objects.exists()


@pytest.mark.parametrize("changes", [
    {"unit": "general-office-of-jilin"},  # not a unit of the office
    {"unit": "no-such-unit"},
    {"suggested": "no-such-unit"},
    {"q": ""},
    {"q": "煤" * 2001},
    {"office": "atlantis"},
    {"reason": "x" * 2001},
    {"q": "bad\x0bcharacter"},
])
def test_tampered_or_bad_posts_are_form_errors_and_save_nothing(clerk_client, changes):
    data = {"decision": "choose", "unit": other_unit(OWN).slug, **changes}
    if "suggested" not in data:
        data["suggested"] = ""
    response = record_post(clerk_client, **data)
    assert response.status_code == 400
    assert "There is a problem" in response.content.decode()
    assert not RoutingRecord.objects.exists()


def test_editors_and_superusers_record_too(django_user_model):
    editor = make_user(django_user_model, "editor", edits=[OWN])
    root = django_user_model.objects.create_superuser("root", "r@example.org", "pw-for-tests")
    assert record_post(client_for(editor), decision="confirm").status_code == 302
    assert record_post(client_for(root), decision="confirm", office=OTHER).status_code == 302
    assert recording_office_ids(root) is None
    assert recording_office_ids(make_user(django_user_model, "ex", staff=False, records=[OWN])) == frozenset()


# The admin ----------------------------------------------------------------------------------------


def admin_url(view, *args):
    return reverse(f"admin:routing_routingrecord_{view}", args=args)


@pytest.fixture
def records():
    made = {}
    for slug in (OWN, OTHER):
        office = Office.objects.get(slug=slug)
        made[slug] = services.record_create(office=office, text=f"matter in {slug}", unit=other_unit(slug),
                                            suggested_unit=None, outcome="corrected")
    return made


def test_a_clerk_lists_and_edits_only_their_offices_records(clerk_client, records, monkeypatch):
    changelist = clerk_client.get(admin_url("changelist")).content.decode()
    assert "matter in shanxi" in changelist and "matter in jilin" not in changelist
    other = records[OTHER]
    for view in ("change", "delete", "history"):
        assert clerk_client.get(admin_url(view, other.pk)).status_code == 403, view
    own = records[OWN]
    assert clerk_client.get(admin_url("change", own.pk)).status_code == 200
    bumps = []
    monkeypatch.setattr(services, "records_changed", lambda: bumps.append(1))
    new_unit = other_unit(OWN, own.unit.slug)
    response = clerk_client.post(admin_url("change", own.pk), {
        "office": own.office_id, "text": "edited matter", "unit": new_unit.pk, "subject": "",
        "outcome": "corrected", "suggested_unit": "", "reason": "", "recorded_at_0": "2026-01-05",
        "recorded_at_1": "10:00:00",
    })
    assert response.status_code == 302, response.content.decode()[:2000]
    own.refresh_from_db()
    assert own.text == "edited matter" and own.unit == new_unit and own.history.count() == 2
    assert bumps == [1]  # through the service, which bumps the records version


def test_the_admin_refuses_moving_a_record_to_another_office_or_unit(clerk_client, records):
    own = records[OWN]
    base = {"text": "x", "subject": "", "outcome": "corrected", "suggested_unit": "", "reason": "",
            "recorded_at_0": "2026-01-05", "recorded_at_1": "10:00:00"}
    jilin = Office.objects.get(slug=OTHER)
    response = clerk_client.post(admin_url("change", own.pk),
                                 {**base, "office": jilin.pk, "unit": other_unit(OTHER).pk})
    assert response.status_code == 200 and "Select a valid choice" in response.content.decode()
    response = clerk_client.post(admin_url("change", own.pk), {**base, "office": own.office_id,
                                                               "unit": other_unit(OTHER).pk})
    assert response.status_code == 200
    own.refresh_from_db()
    assert own.office.slug == OWN and own.text == "matter in shanxi"


def test_a_clerk_deletes_own_records_only_and_keeps_their_history(clerk_client, records):
    own, other = records[OWN], records[OTHER]
    response = clerk_client.post(admin_url("changelist"), {
        "action": "delete_selected", "_selected_action": [own.pk, other.pk], "post": "yes",
    })
    assert response.status_code == 302
    assert not RoutingRecord.objects.filter(pk=own.pk).exists()
    assert RoutingRecord.objects.filter(pk=other.pk).exists()
    assert RoutingRecord.history.filter(id=own.pk, history_type="-").exists()


def test_staff_without_a_grant_see_no_records(django_user_model, records):
    staff = client_for(make_user(django_user_model, "staff"))
    assert staff.get(admin_url("changelist")).status_code == 403
    assert "Routing records" not in staff.get(reverse("admin:index")).content.decode()


def test_a_revert_to_a_version_in_another_office_is_refused(clerk_client, records, admin_client_logged_in):
    # A superuser moves the Jilin record into Shanxi; the clerk of Shanxi must not restore its Jilin version.
    other = records[OTHER]
    old_version = other.history.first().history_id
    other.office = Office.objects.get(slug=OWN)
    other.unit = other_unit(OWN)
    services.record_save(record=other)
    assert clerk_client.get(admin_url("history", other.pk)).status_code == 200
    url = reverse("admin:routing_routingrecord_simple_history", args=[other.pk, old_version])
    assert clerk_client.get(url).status_code == 403
    assert clerk_client.post(url, {"office": Office.objects.get(slug=OTHER).pk}).status_code == 403
    other.refresh_from_db()
    assert other.office.slug == OWN


def test_a_clerk_adds_a_record_in_the_admin_for_their_office_only(clerk_client, clerk):
    page = clerk_client.get(admin_url("add")).content.decode()
    shanxi, jilin = Office.objects.get(slug=OWN), Office.objects.get(slug=OTHER)
    offices = re.search(r'<select name="office".*?</select>', page, re.S).group()
    assert f'<option value="{shanxi.pk}">' in offices and f'<option value="{jilin.pk}">' not in offices
    unit_choices = re.search(r'<select name="unit".*?</select>', page, re.S).group()
    assert "(shanxi)</option>" in unit_choices and "(jilin)</option>" not in unit_choices
    unit = other_unit(OWN)
    response = clerk_client.post(admin_url("add"), {
        "office": shanxi.pk, "text": "a matter added by hand", "unit": unit.pk, "subject": "",
        "outcome": "confirmed", "suggested_unit": "", "reason": "", "recorded_at_0": "2026-01-05",
        "recorded_at_1": "10:00:00",
    })
    assert response.status_code == 302
    record = RoutingRecord.objects.get()
    assert record.recorded_by == clerk and record.unit == unit and record.source == "clerk"


def test_only_superusers_grant_recording_on_the_user_page(admin_client_logged_in, clerk, django_user_model):
    url = reverse("admin:auth_user_change", args=[clerk.pk])
    page = admin_client_logged_in.get(url).content.decode()
    assert "Office clerks" in page and "Office editors" in page
    editor = make_user(django_user_model, "editor", edits=[OWN])
    assert client_for(editor).get("/admin/routing/officerecorder/").status_code == 404  # only as an inline
    assert client_for(editor).get(reverse("admin:auth_user_change", args=[clerk.pk])).status_code == 403
    assert "Office clerks" not in client_for(editor).get(reverse("admin:index")).content.decode()
