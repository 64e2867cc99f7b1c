"""Staff browse the organisation in a real browser: chart, units, subjects, languages, the route box."""
import re
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser]

JILIN = "General Office of the Jilin Provincial People's Government"
NESTED_PARENT = "emergency-management-office"  # a Jilin unit with units of its own
NESTED_CHILD = "emergency-duty-division"


def open_jilin(page, site):
    page.goto(site + "/")
    page.keyboard.press("Tab")  # keyboard users meet the skip link first
    expect(page.get_by_role("link", name="Skip to main content")).to_be_focused()
    page.get_by_role("link", name=JILIN).click()
    expect(page).to_have_url(site + "/offices/jilin/")
    expect(page.get_by_role("heading", level=1)).to_have_text(JILIN)


def unit_item(page, slug):
    return page.locator(f'li[data-unit="{slug}"]')


def test_open_an_office_chart_collapse_expand_and_filter_it(page, site):
    open_jilin(page, site)
    parent = unit_item(page, NESTED_PARENT)
    child = unit_item(page, NESTED_CHILD)
    expect(child).to_be_visible()

    summary = parent.locator(":scope > details > summary")
    summary.click(position={"x": 12, "y": 12})  # on the disclosure triangle, not on the unit's link
    expect(child).to_be_hidden()
    expect(parent).to_be_visible()
    summary.click(position={"x": 12, "y": 12})
    expect(child).to_be_visible()

    # The keyboard works too: a focused summary toggles with Enter.
    summary.focus()
    page.keyboard.press("Enter")
    expect(child).to_be_hidden()
    page.keyboard.press("Enter")
    expect(child).to_be_visible()

    page.get_by_role("button", name="Collapse all").click()
    expect(child).to_be_hidden()
    expect(unit_item(page, "general-office")).to_be_visible()
    page.get_by_role("button", name="Expand all").click()
    expect(child).to_be_visible()

    # Filtering opens the path to each match, highlights it, and hides the rest.
    page.get_by_role("button", name="Collapse all").click()
    page.get_by_label("Filter units").fill("duty division")

    match = unit_item(page, NESTED_CHILD)
    expect(match).to_be_visible()  # opened, although its parent was collapsed
    expect(match).to_have_class(re.compile(r"\bis-match\b"))
    expect(unit_item(page, NESTED_PARENT)).to_have_class(re.compile(r"\bis-on-path\b"))
    expect(unit_item(page, "general-office")).to_have_class(re.compile(r"\bis-on-path\b"))
    expect(unit_item(page, "personnel-division")).to_be_hidden()
    expect(page.get_by_role("status")).to_contain_text("1 unit matches")

    page.get_by_label("Filter units").fill("应急")
    expect(page.locator("li.is-match")).not_to_have_count(0)
    expect(page.get_by_role("status")).to_contain_text("units match")

    page.get_by_label("Filter units").fill("")
    expect(unit_item(page, "personnel-division")).to_be_visible()
    expect(page.locator("li.is-match")).to_have_count(0)


def test_open_a_unit_follow_a_subject_to_its_cross_office_page_and_search(page, site):
    open_jilin(page, site)
    unit_item(page, NESTED_PARENT).locator(".org-unit__name").first.click()
    expect(page).to_have_url(site + f"/offices/jilin/{NESTED_PARENT}/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Emergency Management Office")
    expect(page.get_by_text("As written in the source:")).to_be_visible()
    breadcrumb = page.get_by_role("navigation", name="Breadcrumb")
    expect(breadcrumb.get_by_role("link", name=JILIN)).to_be_visible()

    page.locator(".subject-entry__name", has_text="Emergency management").click()
    expect(page).to_have_url(site + "/subjects/emergency-management/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Emergency management")
    comparison = page.locator(".comparison__office")
    expect(comparison).to_have_count(page.evaluate("document.querySelectorAll('.comparison__title').length"))
    jilin_row = comparison.filter(has_text="Jilin")
    expect(jilin_row.get_by_role("link", name=re.compile("Emergency Management Office"))).to_be_visible()

    page.get_by_role("link", name="Search units").click()
    page.get_by_label("Words to look for").fill("旅游")
    page.get_by_role("button", name="Search", exact=True).click()
    expect(page.get_by_role("heading", name=re.compile(r"units? found"))).to_be_visible()
    expect(page.locator(".result mark").first).to_have_text("旅游")

    page.get_by_role("link", name="Subjects", exact=True).click()
    page.get_by_label("Assigned in").select_option(label="General Office of the Hunan Provincial People's Government")
    page.get_by_role("button", name="Apply filters").click()
    expect(page).to_have_url(re.compile(r"/subjects/\?.*office=hunan"))


def test_switch_to_chinese_and_back(page, site):
    open_jilin(page, site)
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.get_by_role("button", name="中文").click()
    expect(page).to_have_url(site + "/offices/jilin/")
    expect(page.locator("html")).to_have_attribute("lang", "zh-Hans")
    expect(page.get_by_role("heading", level=1)).to_have_text("吉林省人民政府办公厅")
    expect(page.get_by_role("heading", name="组织机构图")).to_be_visible()

    # The choice is kept on the next page.
    page.get_by_role("link", name="事项", exact=True).click()
    expect(page.locator("html")).to_have_attribute("lang", "zh-Hans")
    expect(page.get_by_role("heading", level=1)).to_have_text("事项")

    page.get_by_role("button", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", level=1)).to_have_text("Subjects")


def test_submit_the_route_box(page, site):
    page.goto(site + "/offices/shanxi/secretariat-3/")
    page.get_by_label("Describe the matter in a few words").fill("tourism complaints")
    page.get_by_role("button", name="Find the division").click()
    page.wait_for_url(re.compile(r"/route/\?"))
    url = urlsplit(page.url)
    assert url.path == "/route/"
    assert parse_qs(url.query) == {"q": ["tourism complaints"], "office": ["shanxi"]}


PAGES = [
    ("home", "/"),
    ("office", "/offices/jilin/"),
    ("office-shanxi", "/offices/shanxi/"),
    ("chart", "/offices/jilin/chart.svg"),
    ("unit", f"/offices/jilin/{NESTED_PARENT}/"),
    ("subjects", "/subjects/"),
    ("subject", "/subjects/tourism/"),
    ("search", "/search/?q=tourism"),
    ("not-found", "/offices/atlantis/"),
]


def test_screenshots_of_each_main_page_and_phone_width(page, site, screenshots):
    """Full-page pictures for a person to look at (artifacts/screenshots/, not committed); no sideways phone scroll."""
    for language, lang in (("en", "en"), ("zh-hans", "zh-Hans")):
        page.context.add_cookies([{"name": "django_language", "value": language, "url": site}])
        for name, path in PAGES:
            target = screenshots / f"{name}-{language}.png"
            if path.endswith(".svg"):
                page.goto(site + "/")
                page.set_content(f'<body style="margin:0"><img src="{site + path}" alt=""></body>')
                page.wait_for_function("document.images[0].complete && document.images[0].naturalWidth > 0")
            else:
                response = page.goto(site + path)
                assert response.status == (404 if name == "not-found" else 200), path
                expect(page.locator("html")).to_have_attribute("lang", lang)
            page.screenshot(path=str(target), full_page=True)
            assert target.stat().st_size > 10_000

    page.set_viewport_size({"width": 375, "height": 800})
    for language in ("en", "zh-hans"):
        page.context.add_cookies([{"name": "django_language", "value": language, "url": site}])
        for _name, path in PAGES:
            if path.endswith(".svg"):
                continue
            page.goto(site + path)
            overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
            assert overflow <= 0, f"{path} ({language}) is {overflow}px too wide at 375px"
        page.goto(site + "/offices/jilin/")
        page.screenshot(path=str(screenshots / f"office-phone-{language}.png"), full_page=True)
