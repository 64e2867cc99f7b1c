"""Accessibility: axe-core finds no serious or critical problem on any main page, in either language,
at desktop and phone width; the chart tools and the route form work from the keyboard alone.

axe-core is vendored (tests/browser/vendor/axe.min.js, from npm) and run inside the page through
the DevTools protocol, so the site's Content-Security-Policy stays on while it runs.
"""
import hashlib
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser]

AXE = Path(__file__).parent / "vendor" / "axe.min.js"
AXE_SHA256 = "29348999450cdf2849a8e70b7912fc2da85a849da39c0d0d5394f51d4a9ed95c"
PAGES = [
    "/",
    "/offices/jilin/",
    "/offices/jilin/emergency-management-office/",
    "/subjects/",
    "/subjects/tourism/",
    "/search/",
    "/search/?q=tourism",
    "/route/",
    "/route/?q=coal+safety",
    "/route/?q=",
    "/offices/atlantis/",
]
WIDTHS = {"desktop": 1280, "phone": 375}


def axe_problems(page):
    """Serious and critical axe violations on the page, one readable line each."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(AXE.read_text(encoding="utf-8"))
    result = page.evaluate(
        "async () => await axe.run(document, {resultTypes: ['violations'],"
        " runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']}})"
    )
    return [
        f"{violation['impact']}: {violation['id']} ({violation['help']}) at "
        + ", ".join(node["target"][0] for node in violation["nodes"][:3])
        for violation in result["violations"]
        if violation["impact"] in ("serious", "critical")
    ]


def test_the_vendored_axe_is_the_pinned_release():
    assert hashlib.sha256(AXE.read_bytes()).hexdigest() == AXE_SHA256


@pytest.mark.parametrize("width", WIDTHS, ids=str)
@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_no_serious_accessibility_problems_on_any_main_page(page, site, language, width):
    page.set_viewport_size({"width": WIDTHS[width], "height": 900})
    page.context.add_cookies([{"name": "django_language", "value": language, "url": site}])
    problems = {}
    for path in PAGES:
        page.goto(site + path)
        found = axe_problems(page)
        if found:
            problems[path] = found
    assert problems == {}


def test_the_chart_tools_work_from_the_keyboard(page, site):
    page.goto(site + "/offices/jilin/")
    child = page.locator('li[data-unit="emergency-duty-division"]')
    collapse = page.get_by_role("button", name="Collapse all")
    expand = page.get_by_role("button", name="Expand all")
    tab_to(page, collapse)
    page.keyboard.press("Enter")
    expect(child).to_be_hidden()
    page.keyboard.press("Shift+Tab")
    expect(expand).to_be_focused()
    page.keyboard.press("Space")
    expect(child).to_be_visible()

    # A unit's own disclosure toggles with Enter and Space once focused by Tab.
    summary = page.locator('li[data-unit="emergency-management-office"] > details > summary')
    tab_to(page, summary)
    page.keyboard.press("Enter")
    expect(child).to_be_hidden()
    page.keyboard.press("Space")
    expect(child).to_be_visible()

    # The filter is reached by Tab and typed into; the result is announced.
    page.goto(site + "/offices/jilin/")
    tab_to(page, page.get_by_label("Filter units"))
    page.keyboard.type("duty division")
    expect(page.locator('li[data-unit="emergency-duty-division"]')).to_have_class(re.compile(r"\bis-match\b"))
    expect(page.locator('li[data-unit="personnel-division"]')).to_be_hidden()
    expect(page.get_by_role("status")).to_contain_text("1 unit matches")


def test_the_route_form_works_from_the_keyboard(page, site):
    page.goto(site + "/route/")
    field = page.get_by_label("Matter", exact=True)
    tab_to(page, field)
    page.keyboard.type("coal safety")
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Find the unit")).to_be_focused()
    page.keyboard.press("Tab")
    office = page.locator("select[name=office]")
    expect(office).to_be_focused()
    page.keyboard.press("ArrowDown")  # the first office after "all offices"
    chosen = office.evaluate("select => select.value")
    assert chosen
    page.keyboard.press("Tab")
    expect(page.locator("input[name=limit]")).to_be_focused()
    page.keyboard.type("3")
    with page.expect_navigation():
        page.keyboard.press("Enter")  # submits the form from a text field
    # The answer page keeps what was typed and chosen, and shows the results.
    expect(page.get_by_label("Matter", exact=True)).to_have_value("coal safety")
    expect(page.locator("select[name=office]")).to_have_value(chosen)
    expect(page.locator("input[name=limit]")).to_have_value("3")
    expect(page.locator("#results-heading")).to_be_visible()

    # An empty matter: the error is announced and focus can reach the field again.
    page.goto(site + "/route/?q=")
    summary = page.locator("[role=alert], .error-summary").first
    expect(summary).to_be_visible()


def tab_to(page, locator, limit=400):
    """Press Tab until `locator` has focus (fails when it cannot be reached by keyboard)."""
    page.locator("body").focus()
    for _ in range(limit):
        page.keyboard.press("Tab")
        if locator.evaluate("element => element === document.activeElement"):
            return
    raise AssertionError(f"{locator} cannot be reached with Tab")
