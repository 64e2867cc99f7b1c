"""The browse pages: what each shows, in both languages, with a fixed number of queries, and 404s not 500s."""
import re
import xml.etree.ElementTree as ET

import pytest
from django.db.models import Count
from django.urls import reverse
from django.utils.html import escape
from pytest_django.asserts import assertContains, assertNotContains, assertTemplateUsed

from orgunits.models import Office, PortfolioEntry, Subject, Unit

pytestmark = pytest.mark.django_db

SVG = "{http://www.w3.org/2000/svg}"


def html(response):
    return response.content.decode()


def chinese(client):
    response = client.post(reverse("set_language"), {"language": "zh-hans", "next": "/"})
    assert response.status_code == 302
    return client


# Home -----------------------------------------------------------------------------------------


def test_home_lists_every_office_with_its_level_and_number_of_units(client):
    response = client.get("/")
    assert response.status_code == 200
    assertTemplateUsed(response, "orgunits/home.html")
    for office in Office.objects.annotate(n=Count("units")):
        assertContains(response, f'href="/offices/{office.slug}/"')
        assertContains(response, escape(office.name_en))
        assertContains(response, office.name_zh)
        assertContains(response, f"{office.n} units")


def test_home_has_a_route_box_and_a_subject_search(client):
    page = html(client.get("/"))
    route_form = re.search(r'<form class="route-box" action="([^"]+)" method="get"', page)
    assert route_form and route_form.group(1) == "/route/"
    assert 'name="q"' in page and 'name="office"' in page
    assert '<label class="field__label" for="route-q">' in page
    assert 'action="/subjects/"' in page
    assert '<label class="field__label" for="subject-q">' in page


# Office page and chart ------------------------------------------------------------------------


def test_office_page_shows_the_facts_and_the_whole_tree(client):
    office = Office.objects.get(slug="jilin")
    response = client.get(office.get_absolute_url())
    assert response.status_code == 200
    assertTemplateUsed(response, "orgunits/office_detail.html")
    page = html(response)
    assert office.document_number in page
    assert "139 administrative posts" in page
    units = list(Unit.objects.filter(office=office))
    assert page.count("data-unit=") == len(units)
    for unit in units:
        assert f'data-unit="{unit.slug}"' in page
        assert escape(unit.name_en) in page
    # Units with sub-units are collapsible without JavaScript; leaves are not.
    parents = [unit for unit in units if not unit.is_leaf_node()]
    assert page.count("<details open") == len(parents)


def test_office_page_shows_other_names_transfers_and_main_responsibilities(client):
    office = Office.objects.get(slug="jilin")
    page = html(client.get(office.get_absolute_url()))
    for name in office.other_names.all():
        assert escape(name.name_en) in page
    transfers = list(office.transfers.all())
    assert transfers
    for transfer in transfers:
        assert escape(transfer.text_en) in page
    root_duty = Unit.objects.get(office=office, parent=None).duties.first()
    assert escape(root_duty.text_en) in page


def test_office_tree_nodes_show_both_names_kind_and_counts(client):
    unit = Unit.objects.annotate(d=Count("duties", distinct=True), s=Count("portfolio", distinct=True)).get(
        office__slug="jilin", slug="emergency-management-office"
    )
    page = html(client.get("/offices/jilin/"))
    node = page[page.index(f'data-unit="{unit.slug}"') :]
    node = node[: node.index("<details")]
    assert escape(unit.name_en) in node and unit.name_zh in node
    assert ">office<" in node
    assert f"{unit.d} duties" in node and f"{unit.s} subjects" in node


def test_office_page_offers_the_chart_tools_filter_and_picture(client):
    page = html(client.get("/offices/jilin/"))
    assert '<label class="field__label" for="chart-filter">Filter units</label>' in page
    assert "data-expand-all" in page and "data-collapse-all" in page
    assert 'href="/offices/jilin/chart.svg"' in page
    assert 'media="print"' in page


def test_chart_svg_draws_every_unit_with_both_names(client):
    response = client.get("/offices/shanxi/chart.svg")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("image/svg+xml")
    root = ET.fromstring(response.content)
    assert root.tag == f"{SVG}svg"
    units = list(Unit.objects.filter(office__slug="shanxi"))
    links = root.findall(f"{SVG}a")
    assert len(links) == len(units)
    text = " ".join("".join(element.itertext()) for element in root.iter(f"{SVG}text"))
    for unit in units:
        # Long names wrap over lines; every word of both names is drawn.
        for word in unit.name_en.split():
            assert word in text
        assert unit.name_zh[:4] in text.replace(" ", "")
    assert len(root.findall(f"{SVG}g/{SVG}path")) >= len(units)


def test_chart_svg_boxes_do_not_overlap(client):
    root = ET.fromstring(client.get("/offices/jilin/chart.svg").content)
    boxes = [
        tuple(float(rect.get(key)) for key in ("x", "y", "width", "height"))
        for rect in root.iter(f"{SVG}rect")
        if "box" in (rect.get("class") or "")
    ]
    width, height = float(root.get("width")), float(root.get("height"))
    for index, (x, y, w, h) in enumerate(boxes):
        assert 0 <= x and x + w <= width and 0 <= y and y + h <= height
        for x2, y2, w2, h2 in boxes[index + 1 :]:
            assert x + w <= x2 or x2 + w2 <= x or y + h <= y2 or y2 + h2 <= y


# Unit page ------------------------------------------------------------------------------------


def test_unit_page_shows_path_names_source_label_and_duties_source_language_first(client):
    unit = Unit.objects.get(office__slug="jilin", slug="emergency-duty-division")
    response = client.get(unit.get_absolute_url())
    assert response.status_code == 200
    assertTemplateUsed(response, "orgunits/unit_detail.html")
    page = html(response)
    crumbs = page[page.index('class="breadcrumbs"') : page.index("</nav>", page.index('class="breadcrumbs"'))]
    assert 'href="/offices/jilin/"' in crumbs
    assert 'href="/offices/jilin/emergency-management-office/"' in crumbs
    assert escape(unit.name_en) in crumbs
    assert "As written in the source:" in page and escape(unit.source_label) in page
    assert escape(unit.name_en) in page and unit.name_zh in page
    duty = unit.duties.first()
    # Jilin's document is Chinese: the Chinese wording comes first.
    assert page.index(escape(duty.text_zh)) < page.index(escape(duty.text_en))


def test_unit_page_of_an_english_source_puts_english_first(client):
    unit = Unit.objects.filter(office__slug="shanxi").exclude(duties=None).exclude(parent=None).first()
    page = html(client.get(unit.get_absolute_url()))
    duty = unit.duties.first()
    assert page.index(escape(duty.text_en)) < page.index(escape(duty.text_zh))


def test_unit_page_links_subjects_children_and_the_same_subjects_elsewhere(client):
    unit = Unit.objects.get(office__slug="jilin", slug="emergency-management-office")
    page = html(client.get(unit.get_absolute_url()))
    for entry in unit.portfolio.select_related("subject"):
        assert f'href="/subjects/{entry.subject.slug}/"' in page
        if entry.scope_en:
            assert escape(entry.scope_en) in page
    for child in unit.get_children():
        assert f'href="/offices/jilin/{child.slug}/"' in page
    elsewhere = (
        PortfolioEntry.objects.filter(subject__in=unit.portfolio.values("subject"))
        .exclude(unit__office__slug="jilin")
        .select_related("unit__office")
    )
    assert elsewhere
    section = page[page.index('id="elsewhere-heading"') :]
    for entry in elsewhere:
        assert f'href="/offices/{entry.unit.office.slug}/{entry.unit.slug}/"' in section


def test_unit_page_has_a_route_box_scoped_to_its_office(client):
    page = html(client.get("/offices/shanxi/secretariat-3/"))
    box = page[page.index('<form class="route-box"') :]
    box = box[: box.index("</form>")]
    assert 'action="/route/"' in box
    assert '<input type="hidden" name="office" value="shanxi">' in box
    assert 'name="q"' in box


# Subjects -------------------------------------------------------------------------------------


def test_subject_list_is_a_to_z_by_english_name_with_office_counts(client):
    response = client.get("/subjects/")
    assert response.status_code == 200
    page = html(response)
    subjects = list(Subject.objects.order_by("name_en"))
    positions = [page.index(f'href="/subjects/{subject.slug}/"') for subject in subjects]
    names = [subject.name_en.casefold() for subject in subjects]
    assert [name for _, name in sorted(zip(positions, names, strict=True))] == sorted(names)
    assert '<h2 class="letter-group__heading" id="letter-heading-1">A</h2>' in page
    tourism = page[page.index('href="/subjects/tourism/"') :]
    offices = Office.objects.filter(units__portfolio__subject__slug="tourism").distinct().count()
    assert f"assigned in {offices} offices" in tourism[: tourism.index("</li>")]


def test_subject_list_in_chinese_is_grouped_by_pinyin(client):
    page = html(chinese(client).get("/subjects/"))
    assert '<html lang="zh-Hans">' in page
    assert "按中文名称拼音顺序排列" in page
    headings = re.findall(r'<h2 class="letter-group__heading"[^>]*>([^<]+)</h2>', page)
    assert headings == sorted(headings, key=lambda letter: (letter == "#", letter))
    # 旅游 (lǚyóu) sits under L, 应急管理 (yìngjí) under Y.
    for slug, letter in (("tourism", "L"), ("emergency-management", "Y")):
        at = page.index(f'href="/subjects/{slug}/"')
        before = re.findall(r'<h2 class="letter-group__heading"[^>]*>([^<]+)</h2>', page[:at])
        assert before[-1] == letter


def test_subject_list_filters_by_office_and_name(client):
    assigned = set(
        PortfolioEntry.objects.filter(unit__office__slug="hunan").values_list("subject__slug", flat=True)
    )
    page = html(client.get("/subjects/", {"office": "hunan"}))
    shown = set(re.findall(r'href="/subjects/([a-z0-9-]+)/"', page))
    assert shown == assigned
    page = html(client.get("/subjects/", {"q": "旅游"}))
    assert set(re.findall(r'href="/subjects/([a-z0-9-]+)/"', page)) >= {"tourism"}
    assert 'value="旅游"' in page


def test_subject_page_compares_every_office(client):
    subject = Subject.objects.get(slug="tourism")
    response = client.get(subject.get_absolute_url())
    assert response.status_code == 200
    assertTemplateUsed(response, "orgunits/subject_detail.html")
    page = html(response)
    for office in Office.objects.all():
        assert f'href="/offices/{office.slug}/"' in page
    for entry in subject.portfolio_entries.select_related("unit__office"):
        assert f'href="/offices/{entry.unit.office.slug}/{entry.unit.slug}/"' in page
        if entry.quote:
            assert escape(entry.quote) in page
    holders = Office.objects.filter(units__portfolio__subject=subject).distinct().count()
    assert page.count("Not assigned in this office's document.") == Office.objects.count() - holders


# Search ---------------------------------------------------------------------------------------


def test_search_finds_units_by_subject_and_says_why(client):
    response = client.get("/search/", {"q": "tourism"})
    assert response.status_code == 200
    assertTemplateUsed(response, "orgunits/unit_filter.html")
    page = html(response)
    for entry in PortfolioEntry.objects.filter(subject__slug="tourism").select_related("unit__office"):
        assert f'href="/offices/{entry.unit.office.slug}/{entry.unit.slug}/"' in page
    assert "Why it matched:" in page
    assert "<mark>Tourism</mark>" in page


def test_search_finds_units_by_chinese_name_and_duty_text(client):
    page = html(client.get("/search/", {"q": "秘书四处"}))
    assert 'href="/offices/shanxi/secretariat-4/"' in page
    assert "<mark>秘书四处</mark>" in page
    duty = Unit.objects.get(office__slug="jilin", slug="emergency-duty-division").duties.first()
    fragment = duty.text_zh[2:10]
    page = html(client.get("/search/", {"q": fragment}))
    assert 'href="/offices/jilin/emergency-duty-division/"' in page
    assert f"<mark>{escape(fragment)}</mark>" in page


@pytest.mark.parametrize("needle", ["旅游", "煤矿", "安全生产", "Tourism", "tOURISM", "12"])
def test_search_finds_exactly_the_duty_sentences_that_contain_the_words_in_any_case(needle):
    """Short needles without case are matched as they are, the rest ignoring case: the same rows either way."""
    from orgunits.models import Duty
    from orgunits.selectors import containing

    found = set(Duty.objects.filter(containing(needle, "text_en", "text_zh")).values_list("pk", flat=True))
    expected = {pk for pk, en, zh in Duty.objects.values_list("pk", "text_en", "text_zh")
                if needle.lower() in en.lower() or needle.lower() in zh.lower()}
    assert found == expected
    assert expected or needle == "12"


def test_search_filters_by_office_and_kind(client):
    page = html(client.get("/search/", {"q": "", "office": "jilin", "kind": "division"}))
    found = set(re.findall(r'<h3 class="result__title"><a href="/offices/([a-z]+)/([a-z0-9-]+)/"', page))
    expected = set(Unit.objects.filter(office__slug="jilin", kind="division").values_list("office__slug", "slug"))
    assert found == expected


def test_search_without_criteria_lists_nothing(client):
    for params in ({}, {"q": "", "office": "", "kind": ""}):
        page = html(client.get("/search/", params))
        assert 'class="result"' not in page
        assert "units found" not in page


@pytest.mark.parametrize(
    "params",
    [
        {"office": "no-such-office"},
        {"kind": "castle"},
        {"q": "x" * 5000},
        {"q": "a\x00b"},
        {"q": "%'\"<script>"},
        {"office": ["jilin", "shanxi"], "kind": ""},
    ],
)
def test_bad_search_parameters_never_fail(client, params):
    response = client.get("/search/", params)
    assert response.status_code == 200
    assertNotContains(response, "<script>")


@pytest.mark.parametrize("params", [{"office": "no-such-office"}, {"q": "a\x00b"}, {"q": "y" * 5000}])
def test_bad_subject_filters_never_fail(client, params):
    response = client.get("/subjects/", params)
    assert response.status_code == 200
    assertContains(response, "There is a problem")


# Not found ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "/offices/atlantis/",
        "/offices/atlantis/chart.svg",
        "/offices/jilin/no-such-unit/",
        "/offices/atlantis/general-office/",
        "/offices/hunan/open-government-office/",  # a Jilin unit, asked for under Hunan
        "/subjects/no-such-subject/",
        "/offices/jilin/general-office/extra/",
    ],
)
def test_unknown_offices_units_and_subjects_are_404(client, url):
    response = client.get(url)
    assert response.status_code == 404
    assertContains(response, "Page not found", status_code=404)
    assertTemplateUsed(response, "404.html")


# Language -------------------------------------------------------------------------------------


def test_english_is_the_default_and_chinese_is_kept_by_cookie(client):
    page = html(client.get("/offices/jilin/"))
    assert '<html lang="en">' in page
    assert "Organisation chart" in page
    response = client.post(reverse("set_language"), {"language": "zh-hans", "next": "/offices/jilin/"})
    assert response.status_code == 302 and response["Location"] == "/offices/jilin/"
    assert response.cookies["django_language"].value == "zh-hans"
    for url in ("/offices/jilin/", "/subjects/", "/offices/jilin/emergency-management-office/"):
        page = html(client.get(url))
        assert '<html lang="zh-Hans">' in page
        assert "政府办公厅机构名录" in page
    page = html(client.get("/offices/jilin/"))
    assert "组织机构图" in page
    # Names in the chosen language first, the other beside them.
    node = page[page.index('data-unit="emergency-management-office"') :]
    assert node.index("吉林省人民政府应急管理办公室") < node.index("Emergency Management Office")
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert '<html lang="en">' in html(client.get("/offices/jilin/"))


def test_language_switcher_is_a_labelled_post_form_back_to_the_same_page(client):
    page = html(client.get("/subjects/?office=jilin"))
    form = page[page.index('<form class="language-switcher"') :]
    form = form[: form.index("</form>")]
    assert 'action="/i18n/setlang/"' in form and 'method="post"' in form
    assert 'name="csrfmiddlewaretoken"' in form
    assert 'name="next" value="/subjects/?office=jilin"' in form
    assert '<button type="submit" name="language" value="zh-hans" lang="zh-Hans"' in form


# Queries --------------------------------------------------------------------------------------

# The number of SQL queries each page needs, whatever the size of the office, unit or subject.
# (Django skips a prefetch when there is nothing to prefetch, so a page about an office without
# transfers, or a unit without subjects, may need fewer; never more.)
PAGE_QUERIES = {
    "home": 3,
    "office": 6,
    "chart": 2,
    "unit": 7,
    "subjects": 2,
    "subjects_by_office": 3,
    "subject": 7,
    "search": 7,
}


def page_urls(office, unit, subject):
    return {
        "home": "/",
        "office": f"/offices/{office.slug}/",
        "chart": f"/offices/{office.slug}/chart.svg",
        "unit": f"/offices/{office.slug}/{unit.slug}/",
        "subjects": "/subjects/",
        "subjects_by_office": f"/subjects/?office={office.slug}",
        "subject": f"/subjects/{subject.slug}/",
        "search": f"/search/?q=office&office={office.slug}",
    }


def busiest():
    """The office with the most units, its fullest unit below the root, the most widely assigned subject."""
    office = Office.objects.annotate(n=Count("units"), t=Count("transfers")).order_by("-n", "-t", "slug").first()
    unit = (
        Unit.objects.filter(office=office)
        .annotate(
            n=Count("duties", distinct=True) + Count("portfolio", distinct=True) + Count("children", distinct=True)
        )
        .exclude(children=None)
        .exclude(parent=None)
        .order_by("-n", "slug")
        .first()
    )
    subject = Subject.objects.annotate(n=Count("portfolio_entries")).order_by("-n", "slug").first()
    return office, unit, subject


def quietest():
    """The office with the fewest units, a leaf unit with the least content, a subject no unit holds if any."""
    office = Office.objects.annotate(n=Count("units")).order_by("n", "slug").first()
    unit = (
        Unit.objects.filter(office=office, children=None)
        .annotate(n=Count("duties", distinct=True) + Count("portfolio", distinct=True))
        .order_by("n", "slug")
        .first()
    )
    subject = Subject.objects.annotate(n=Count("portfolio_entries")).order_by("n", "slug").first()
    return office, unit, subject


@pytest.mark.parametrize("page", sorted(PAGE_QUERIES))
@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_each_page_runs_a_fixed_number_of_queries(
    client, django_assert_num_queries, django_assert_max_num_queries, page, language
):
    client.cookies["django_language"] = language
    url = page_urls(*busiest())[page]
    with django_assert_num_queries(PAGE_QUERIES[page]):
        response = client.get(url)
    assert response.status_code == 200, url
    url = page_urls(*quietest())[page]
    with django_assert_max_num_queries(PAGE_QUERIES[page]):
        response = client.get(url)
    assert response.status_code == 200, url


# Translations ---------------------------------------------------------------------------------


def po_entries(path):
    """(msgid, msgstr) pairs of a .po file; plural entries give their first form."""
    entries, current, key = [], {}, None
    for line in path.read_text(encoding="utf-8").splitlines() + [""]:
        if not line.strip():
            if current.get("msgid"):
                entries.append((current["msgid"], current.get("msgstr", current.get("msgstr[0]", ""))))
            current, key = {}, None
        elif line.startswith("#"):
            continue
        elif line.startswith('"'):
            current[key] += eval(line)  # a continuation line is one Python-compatible string literal
        else:
            key, _, value = line.partition(" ")
            current[key] = eval(value)
    return entries


def test_every_interface_string_has_a_compiled_chinese_translation(settings):
    import gettext

    folder = settings.BASE_DIR / "locale" / "zh_Hans" / "LC_MESSAGES"
    entries = po_entries(folder / "django.po")
    assert len(entries) > 200
    untranslated = [msgid for msgid, msgstr in entries if not msgstr]
    assert untranslated == []
    with open(folder / "django.mo", "rb") as handle:
        catalog = gettext.GNUTranslations(handle)._catalog
    stale = [msgid for msgid, msgstr in entries if catalog.get(msgid, catalog.get((msgid, 0))) != msgstr]
    assert stale == [], "django.mo is older than django.po: run compilemessages"


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_office_page_names_its_source_by_title_number_and_date_not_file_name(client, language):
    from orgunits.models import Office

    for office in Office.objects.all():
        response = client.get(f"/offices/{office.slug}/", HTTP_ACCEPT_LANGUAGE=language)
        content = response.content.decode()
        assert office.source_file not in content
        title = office.document_title_zh if language == "zh-hans" else office.document_title_en
        shown = title or office.document_title_en or office.document_title_zh
        if shown:
            assert escape(shown) in content
        if office.document_number:
            assert escape(office.document_number) in content
        if office.document_date:
            assert office.document_date.isoformat() in content
