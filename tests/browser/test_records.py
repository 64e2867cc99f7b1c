"""A clerk routes matters in a real browser and records where they go: confirm, correct, then the dashboard."""
import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser]

PASSWORD = "pw-for-browser-tests"


@pytest.fixture
def clerk(site, django_user_model):
    from orgunits.models import Office
    from routing.models import OfficeRecorder

    user = django_user_model.objects.create_user("clerk", password=PASSWORD, is_staff=True)
    OfficeRecorder.objects.create(user=user, office=Office.objects.get(slug="shanxi"))
    return user


def sign_in(page, site):
    page.goto(site + "/admin/login/?next=/route/")
    page.get_by_label("Username").fill("clerk")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(site + "/route/")


def route(page, text):
    page.get_by_label("Matter", exact=True).fill(text)
    page.get_by_label("Office", exact=True).select_option("shanxi")
    page.get_by_role("button", name="Find the unit").click()
    expect(page.get_by_role("heading", name="Record where this matter goes")).to_be_visible()


def test_a_clerk_confirms_then_corrects_and_sees_the_dashboard(page, site, clerk, screenshots):
    from routing.models import RoutingRecord

    sign_in(page, site)
    route(page, "tourism complaints")
    suggested = page.locator('input[name="suggested"]').get_attribute("value")
    assert suggested
    expect(page.get_by_label("Unit that handles it")).to_have_value(suggested)
    page.screenshot(path=str(screenshots / "record-form-en.png"), full_page=True)
    page.get_by_role("button", name="Confirm the suggested unit").click()
    expect(page).to_have_url(site + "/route/?office=shanxi")
    expect(page.get_by_text("Recorded:")).to_be_visible()
    expect(page.get_by_label("Office", exact=True)).to_have_value("shanxi")
    record = RoutingRecord.objects.get()
    assert (record.outcome, record.unit.slug, record.suggested_unit.slug, record.recorded_by) == (
        "confirmed", suggested, suggested, clerk)

    # A long Chinese matter goes by POST: it would not fit in a URL.
    long_matter = "我们小区旁边的景区门票乱涨价，导游强迫游客购物，" * 60
    route(page, long_matter)
    chooser = page.get_by_label("Unit that handles it")
    other = chooser.locator("option").nth(1).get_attribute("value")
    assert other != page.locator('input[name="suggested"]').get_attribute("value")
    chooser.select_option(other)
    page.get_by_label("Reason (optional)").fill("the division that handles complaints")
    page.get_by_role("button", name="Record the chosen unit").click()
    expect(page.get_by_text("Recorded:")).to_be_visible()
    record = RoutingRecord.objects.order_by("pk").last()
    assert (record.outcome, record.unit.slug, record.text, record.reason) == (
        "corrected", other, long_matter.strip(), "the division that handles complaints")

    page.get_by_role("link", name="Routing dashboard").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Routing dashboard")
    expect(page.locator('tr[data-office="shanxi"]')).to_contain_text("2")
    expect(page.locator("svg.dashboard-chart").first).to_be_visible()
    page.screenshot(path=str(screenshots / "dashboard-en.png"), full_page=True)
    page.context.add_cookies([{"name": "django_language", "value": "zh-hans", "url": site}])
    page.reload()
    expect(page.get_by_role("heading", level=1)).to_have_text("分办统计")
    page.screenshot(path=str(screenshots / "dashboard-zh-hans.png"), full_page=True)


def test_a_visitor_gets_no_record_form(page, site):
    page.goto(site + "/route/")
    page.get_by_label("Matter", exact=True).fill("tourism complaints")
    page.get_by_role("button", name="Find the unit").click()
    answer = page.get_by_role("heading", name="units found").or_(page.get_by_role("heading", name="No unit found"))
    expect(answer).to_be_visible()
    expect(page.get_by_role("heading", name="Record where this matter goes")).to_have_count(0)
