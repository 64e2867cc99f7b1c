"""The routing dashboard: clerks and editors see their offices' figures, drawn server-side, in both languages."""
from datetime import timedelta
from xml.etree import ElementTree

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from orgunits.models import Office, Unit
from routing import services
from routing.models import OfficeRecorder, RoutingRecord

pytestmark = pytest.mark.django_db

URL = "/route/dashboard/"


def units(office, count):
    return list(Unit.objects.filter(office__slug=office).order_by("tree_id", "lft")[1:count + 1])


def add(office, *, unit, suggested, outcome, days_ago=1, subject=None):
    record = services.record_create(office=Office.objects.get(slug=office), text="x", unit=unit,
                                    suggested_unit=suggested, outcome=outcome, subject=subject)
    RoutingRecord.objects.filter(pk=record.pk).update(recorded_at=timezone.now() - timedelta(days=days_ago))
    return record


@pytest.fixture
def log():
    first, second = units("shanxi", 2)
    add("shanxi", unit=first, suggested=first, outcome="confirmed")
    add("shanxi", unit=second, suggested=first, outcome="corrected", days_ago=8)
    add("shanxi", unit=None, suggested=None, outcome="no_unit")
    add("shanxi", unit=first, suggested=first, outcome="confirmed", days_ago=200)  # outside 12 weeks
    jilin = units("jilin", 1)[0]
    add("jilin", unit=jilin, suggested=jilin, outcome="confirmed")
    return {"first": first, "second": second, "jilin": jilin}


@pytest.fixture
def clerk_client(django_user_model):
    user = django_user_model.objects.create_user("clerk", password="pw-for-tests", is_staff=True)
    OfficeRecorder.objects.create(user=user, office=Office.objects.get(slug="shanxi"))
    client = Client()
    client.force_login(user)
    return client


def test_visitors_are_sent_to_sign_in_and_staff_without_a_grant_are_refused(client, django_user_model):
    response = client.get(URL)
    assert response.status_code == 302 and response.url.startswith("/admin/login/")
    staff = django_user_model.objects.create_user("staff", password="pw-for-tests", is_staff=True)
    client.force_login(staff)
    assert client.get(URL).status_code == 403


def test_a_clerk_sees_their_offices_figures_only(clerk_client, log):
    html = clerk_client.get(URL).content.decode()
    assert 'data-office="shanxi"' in html and 'data-office="jilin"' not in html
    assert "Jilin" not in html
    # 3 matters in 12 weeks; 1 abstention; 1 correction of 2 matters with a unit.
    assert "<dd>3</dd>" in html
    assert "1 (33.3 %)" in html
    assert "50.0 % of the matters with a unit" in html
    row = html[html.index("Clerk chose"):]
    assert log["first"].name_en in row and log["second"].name_en in row
    # The charts are inline SVG, well-formed.
    charts = [html[start:html.index("</svg>", start) + 6] for start in _starts(html, "<svg")]
    assert len(charts) >= 2
    for chart in charts:
        ElementTree.fromstring(chart)
    assert "<dd>4</dd>" in clerk_client.get(URL, {"weeks": 52}).content.decode()


def _starts(text, needle):
    start = text.find(needle)
    while start != -1:
        yield start
        start = text.find(needle, start + 1)


def test_the_dashboard_speaks_chinese(clerk_client, log):
    clerk_client.cookies["django_language"] = "zh-hans"
    html = clerk_client.get(URL).content.decode()
    assert "分办统计" in html and log["first"].name_zh in html and "更正率" in html


def test_names_are_escaped_in_the_charts(clerk_client, log):
    Unit.objects.filter(pk=log["first"].pk).update(name_en='<script>alert(1)</script> & "co"')
    html = clerk_client.get(URL).content.decode()
    assert "<script>alert(1)" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp;" in html


def test_the_query_count_does_not_grow_with_the_records(clerk_client, log):
    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert clerk_client.get(URL).status_code == 200
        return len(captured)

    before = queries()
    for number in range(30):
        unit = log["first"] if number % 2 else log["second"]
        add("shanxi", unit=unit, suggested=log["first"], outcome="corrected" if number % 2 == 0 else "confirmed",
            days_ago=number * 2)
    assert queries() == before


@pytest.mark.parametrize("weeks", ["", "x", "0", "-1", "9" * 50, "12abc"])
def test_an_odd_period_falls_back_to_twelve_weeks(clerk_client, log, weeks):
    response = clerk_client.get(URL, {"weeks": weeks})
    assert response.status_code == 200 and '<option value="12" selected>' in response.content.decode()


def test_a_superuser_sees_every_office(admin_client_logged_in, log):
    html = admin_client_logged_in.get(URL).content.decode()
    assert 'data-office="shanxi"' in html and 'data-office="jilin"' in html
