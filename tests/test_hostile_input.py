"""Nothing a stranger sends breaks the site: a corpus of hostile inputs against every public door.

Every public page and API endpoint gets the whole corpus (in its path segments and its query
parameters), and so does every management command that takes input. The rules: no 5xx, no
traceback, errors explained, output escaped (HTML), valid JSON (API), no raw control characters
on a terminal (commands).
"""
import copy
import io
import json
import re
import sys
from urllib.parse import quote, unquote_to_bytes, urlsplit

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction

from orgunits.models import Duty, Office, PortfolioEntry, Subject, SubjectAlias, Transfer, Unit

pytestmark = pytest.mark.django_db


class Raw(str):
    """Already percent-encoded: goes into the URL as it is (invalid UTF-8, lone %, overlong forms)."""


def _corpus():
    base = [
        # Empty, whitespace and sizes
        "", " ", "   ", "\t", "\n", "\r\n", "\u00a0", "\u3000", "\u2028", "\u200b", "\ufeff",
        "a", "a" * 200, "a" * 201, "x" * 2000, "x" * 2001, "旅游" * 1000, "word " * 20000, "a" * 100_000,
        # Long Chinese matters, around the 2,000-character limit (too long for a URL: they are posted)
        "煤" * 1999, "煤" * 2001, "煤矿安全" * 500 + "。", "旅游投诉" * 5000, "（" * 2000, "𠀀" * 2000,
        # NUL and control characters
        "\x00", "tourism\x00", "\x00\x00\x00", "\x01\x02\x03", "\x07", "\x08\x08\x08", "\x1b[31mred\x1b[0m",
        "\x1b]0;title\x07", "\x7f", "\x85", "\x9b31m", "line1\rline2", "\x0b\x0c",
        "unit\x0bname", "\ufdd0", "name\U0001fffe",
        # SQL
        "' OR '1'='1", "' OR 1=1 --", "\"; DROP TABLE orgunits_unit; --", "1; SELECT pg_sleep(5)",
        "' UNION SELECT username, password FROM auth_user --", "%' AND 1=0 UNION SELECT NULL --", "\\", "\\'",
        "1' ORDER BY 100--", "admin'--", "') OR ('a'='a", "%", "%%", "_", "%_%", "[a-z]*", "\\x00",
        # HTML, script, template and format strings
        "<script>alert(1)</script>", "\"><script>alert(document.cookie)</script>", "<img src=x onerror=alert(1)>",
        "'><svg onload=alert(1)>", "<iframe src=javascript:alert(1)>", "javascript:alert(1)",
        "</title><script>alert(1)</script>", "<!--", "]]>", "<![CDATA[x]]>", "&lt;script&gt;", "&amp;", "&#0;",
        "{{ 7*7 }}", "{% debug %}", "${7*7}", "#{7*7}", "%s%s%s%n", "{0.__class__}", "%(secret)s",
        "<?xml version='1.0'?><!DOCTYPE x [<!ENTITY e SYSTEM 'file:///etc/passwd'>]><x>&e;</x>",
        # Paths and URLs
        "../../etc/passwd", "..\\..\\windows\\win.ini", "/etc/passwd", "//evil.example/", "https://evil.example",
        "\\\\evil.example\\share", "file:///etc/passwd", "?", "#", "&", "=", "&q=x", "/", "//", ".", "..",
        # JSON and structure
        "{}", "[]", "null", "true", "{\"q\": 1}", "[[[[[[[[[[", "]" * 50, "{" * 1000, "\"", "'", "`",
        # Emoji, RTL and other scripts
        "😀", "🏛️🇨🇳", "👨‍👩‍👧‍👦" * 50, "\u202eevil\u202c", "\u200f\u200e", "مرحبا بالعالم", "שלום",
        "Ꮳ", "ﷺ", "Z̴̡̙͔a̸̛͍l̵̨̛g̷o̶", "\U0010ffff", "\ufffd", "\ufffe", "𝔱𝔬𝔲𝔯𝔦𝔰𝔪", "ｔｏｕｒｉｓｍ", "ＴＯＵＲＩＳＭ",
        "İstanbul", "ß", "ǅ", "旅游\u0000投诉", "煤矿安全' OR 1=1", "旅游<script>", "监狱\u202e",
        # Slugs, known and malformed
        "shanxi", "jilin", "hengyang", "tourism", "general-office", "SHANXI", "Shanxi", "shanxi ", " shanxi",
        "shanxi/", "shanxi/../jilin", "shan xi", "shan_xi", "shanxi-", "-shanxi", "shanxi--x", "山西",
        "no-such-office", "no-such-unit", "a" * 81, "a-" * 40, "ab" * 26,
        # Numbers
        "0", "-1", "1", "5", "50", "51", "-0", "+1", "1.5", "1e3", "1e309", "-1e309", "NaN", "Infinity",
        "99999999999999999999999999999999", "-99999999999999999999999999999999", "9" * 400, "0x10", "١٢٣",
        "2147483648", "-2147483649", "9223372036854775808", "00001", " 5 ", "5abc",
    ]
    raw = [
        Raw(value) for value in (
            "%ff", "%fe%ff", "%c0%af", "%ed%a0%80", "%f8%88%80%80%80", "%00", "%", "%%", "%zz", "%e6%97",
            "%E6%97%85%E6", "%u0041", "%25", "%2e%2e%2f", "%c3%28", "a%ffb", "%0a%0d", "%80", "%bf", "%fe",
        )
    ]
    corpus = list(dict.fromkeys(base))
    # Each base input also inside an otherwise ordinary request, and doubled, to reach other code paths.
    for value in base:
        if len(value) <= 60:
            corpus.append(f"tourism {value}")
            corpus.append(f"{value}旅游{value}")
            corpus.append(f"coal-{value}-safety")
    corpus = list(dict.fromkeys(corpus))
    return corpus + raw


CORPUS = _corpus()

SLUG_PAGES = [
    "/offices/{x}/",
    "/offices/{x}/chart.svg",
    "/offices/shanxi/{x}/",
    "/offices/{x}/{x}/",
    "/subjects/{x}/",
    "/api/offices/{x}/",
]
# Pages that read the parameter get one input per request.
QUERY_PAGES = [
    "/subjects/?q={x}&office={x}",
    "/search/?q={x}",
    "/search/?q=office&office={x}&kind={x}",
    "/route/?q={x}",
    "/route/?q=tourism&office={x}&limit={x}",
    "/api/route?q={x}",
    "/api/route?q=tourism&office={x}&limit={x}",
]
# Pages that read no parameter (only the middleware parses the query) get the corpus in batches.
IGNORING_PAGES = [
    "/",
    "/subjects/tourism/",
    "/offices/shanxi/",
    "/offices/shanxi/chart.svg",
    "/offices/shanxi/secretariat-3/",
    "/api/offices/",
    "/api/subjects/",
    "/healthz",
]
BATCH = 25
XSS_MARKERS = [value for value in CORPUS if re.search(r"<[a-z!/]", value) and len(value) >= 8]
# C0 controls a terminal acts on (ESC starts escape sequences); tab and newlines are fine.
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def encode(value, *, in_path):
    if isinstance(value, Raw):
        return str(value)
    return quote(value, safe="") if in_path else quote(value, safe="")


def check_response(response, url, value):
    """The rules every answer to a hostile request must keep."""
    where = f"{url[:120]!r} ({value[:40]!r})"
    assert response.status_code < 500, where
    body = response.content
    assert b"Traceback" not in body, where
    content_type = response.headers.get("Content-Type", "")
    if response.status_code in (400, 404):
        assert body.strip(), f"an unexplained {response.status_code} for {where}"
    if content_type.startswith("application/json"):
        data = json.loads(body)
        if response.status_code >= 400:
            assert data.get("error") or data.get("detail"), where
    if "html" in content_type or "svg" in content_type:
        text = body.decode("utf-8", "replace")
        for marker in XSS_MARKERS:
            assert marker not in text, f"unescaped {marker!r} in {where}"


def test_the_corpus_is_large_varied_and_has_no_duplicates():
    assert len(CORPUS) >= 500
    assert len({(type(value), value) for value in CORPUS}) == len(CORPUS)
    assert any(len(value) >= 100_000 for value in CORPUS)
    assert any("\x00" in value for value in CORPUS) and any(isinstance(value, Raw) for value in CORPUS)
    assert XSS_MARKERS


@pytest.mark.parametrize("template", SLUG_PAGES)
def test_hostile_slugs_never_break_a_page(client, template):
    for value in CORPUS:
        url = template.replace("{x}", encode(value[:3000], in_path=True))
        check_response(client.get(url), url, value)


@pytest.mark.parametrize("template", QUERY_PAGES)
def test_hostile_query_parameters_never_break_a_page(client, template):
    for value in CORPUS:
        url = template.replace("{x}", encode(value, in_path=False))
        check_response(client.get(url), url, value)


@pytest.mark.parametrize("page", IGNORING_PAGES)
def test_hostile_query_strings_never_break_a_page_that_ignores_them(client, page):
    for start in range(0, len(CORPUS), BATCH):
        batch = CORPUS[start : start + BATCH]
        query = "&".join(
            f"{name}={encode(value, in_path=False)}" for value in batch for name in ("q", "office", "lang")
        )
        response = client.get(f"{page}?{query}")
        check_response(response, page, batch[0])
        assert response.status_code == 200, page


def test_hostile_language_switches_never_redirect_away(client):
    for value in CORPUS:
        response = client.post("/i18n/setlang/", {"language": value, "next": value})
        check_response(response, "/i18n/setlang/", value)
        location = response.headers.get("Location", "/")
        parts = urlsplit(location.replace("\\", "/"))  # browsers read a backslash as a slash
        assert parts.scheme in ("", "http", "https") and parts.netloc in ("", "testserver"), (value, location)


def test_hostile_posts_to_the_router_never_break_it(client):
    """POST /api/route takes a JSON body and the route page a form: any value in any field, or any body."""
    for value in CORPUS:
        bodies = [unquote_to_bytes(value)] if isinstance(value, Raw) else [
            json.dumps({"q": value}),
            json.dumps({"q": "tourism", "office": value}),
            json.dumps({"q": value, "limit": value}),
            value.encode("utf-8", "surrogatepass"),
        ]
        for body in bodies:
            response = client.post("/api/route", data=body, content_type="application/json")
            check_response(response, "/api/route", value)
            assert response["Content-Type"].startswith("application/json")
        if not isinstance(value, Raw):
            response = client.post("/route/", {"q": value, "office": "shanxi"})
            check_response(response, "/route/", value)


def test_other_methods_are_refused_not_broken(client):
    for url in ("/api/route?q=tourism", "/route/?q=tourism", "/api/offices/", "/api/subjects/"):
        for method in ("post", "put", "delete", "patch"):
            response = getattr(client, method)(url, data="<x>", content_type="application/xml")
            if method == "post" and "route" in url:
                # Routing reads a posted matter; a body that is not one is a bad request.
                check_response(response, url, "<x>")
                assert response.status_code == 400, url
            else:
                assert response.status_code in (403, 405), (method, url)


# Management commands ---------------------------------------------------------------------------


def run_command(*args, stdin=None):
    """(stdout, stderr) of a command that must either succeed or fail with a CommandError."""
    out, err = io.StringIO(), io.StringIO()
    old_stdin = sys.stdin
    if stdin is not None:
        sys.stdin = io.StringIO(stdin)
    try:
        call_command(*args, stdout=out, stderr=err)
    except CommandError as exc:
        err.write(str(exc))
    finally:
        sys.stdin = old_stdin
    output = out.getvalue() + err.getvalue()
    assert "Traceback" not in output
    return out.getvalue(), err.getvalue()


def argv(value):
    """argv cannot carry NUL: a shell would have cut the argument there."""
    return value.split("\x00")[0]


def route_text(value):
    out, err = run_command("route", argv(value))
    assert out or err
    return out + err


def route_office(value):
    out, err = run_command("route", "tourism", "--office", argv(value))
    return out + err


def route_limit(value):
    out, err = run_command("route", "tourism", "--json", "--limit", argv(value) or "0")
    if out:
        json.loads(out)
    return out + err


def route_eval(value, tmp_path):
    path = tmp_path / "cases.jsonl"
    case = {"id": value, "office": value, "query": value, "kind": "subject", "expect": [value]}
    output = ""
    for content in (json.dumps(case), value, json.dumps({**case, "id": 1, "office": "shanxi"})):
        path.write_text(content, encoding="utf-8", errors="surrogatepass")
        out, err = run_command("route_eval", str(path))
        output += out + err
    return output


def export_office(value):
    out, err = run_command("export_org", "--office", argv(value))
    assert out or err
    if out:
        json.loads(out)
    return err


def load_dir(value):
    out, err = run_command("load_org", "--dir", argv(value)[:4000])
    assert err  # no such folder
    return err


def import_file(value, tmp_path):
    path = tmp_path / "org.json"
    output = ""
    path.write_text(json.dumps(small_document(value), ensure_ascii=False), encoding="utf-8", errors="surrogatepass")
    out, err = run_command("import_org", str(path))
    assert "nothing was imported" in err or "cannot be read" in err, value[:40]
    output += err
    path.write_text(value, encoding="utf-8", errors="surrogatepass")
    out, err = run_command("import_org", str(path))
    assert "cannot be read as JSON" in err or "nothing was imported" in err or "0 created, 0 updated, 0 deleted" in out
    return output + err


def import_records_file(value, tmp_path):
    """Each value as every field of a record line (JSON lines and CSV), then as the whole file."""
    output = ""
    for name in ("office", "text", "unit", "subject", "outcome", "date", "id"):
        line = {"office": "shanxi", "text": "a matter", "unit": "", name: value}
        for path, content in (
            (tmp_path / "records.jsonl", json.dumps(line, ensure_ascii=False)),
            (tmp_path / "records.csv", "office,text,unit,subject,outcome,date,id\n"
             + ",".join(json.dumps(line.get(key, "")) for key in ("office", "text", "unit", "subject", "outcome",
                                                                 "date", "id"))),
        ):
            path.write_text(content, encoding="utf-8", errors="surrogatepass")
            out, err = run_command("import_records", str(path))
            assert "records:" in out or "nothing was imported" in err, (name, value[:40], err[:200])
            output += out + err
    path = tmp_path / "raw.txt"
    path.write_text(value, encoding="utf-8", errors="surrogatepass")
    out, err = run_command("import_records", str(path))
    return output + out + err


def export_records_office(value):
    out, err = run_command("export_records", "--office", argv(value))
    assert out == "" or all(json.loads(line)["office"] == argv(value) for line in out.splitlines())
    return err


COMMANDS = {
    "import_records FILE": import_records_file,
    "export_records --office": export_records_office,
    "route TEXT": route_text,
    "route --office": route_office,
    "route --limit": route_limit,
    "route_eval FILE": route_eval,
    "export_org --office": export_office,
    "load_org --dir": load_dir,
    "import_org FILE": import_file,
}
# Findings in files this suite's authors do not own (reported): these echo raw control characters
# from their input to the terminal. Remove an entry once it is fixed (the test then passes as XPASS).
ECHOES_CONTROL_CHARACTERS = set()


def run_corpus(name, tmp_path):
    """Send the whole corpus through one command; return the inputs echoed with raw control characters."""
    command = COMMANDS[name]
    unsafe = []
    for value in CORPUS:
        output = command(value, tmp_path) if "FILE" in name else command(value)
        if CONTROL.search(output):
            unsafe.append(value)
    return unsafe


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_commands_take_any_input_without_crashing(name, tmp_path):
    before = snapshot()
    run_corpus(name, tmp_path)
    assert snapshot() == before


@pytest.mark.parametrize(
    "name",
    [
        pytest.param(name, marks=pytest.mark.xfail(reason="echoes control characters (reported)"))
        if name in ECHOES_CONTROL_CHARACTERS
        else name
        for name in sorted(COMMANDS)
    ],
)
def test_command_output_is_escaped_for_the_terminal(name, tmp_path):
    hostile = [value for value in CORPUS if CONTROL.search(value)]
    command = COMMANDS[name]
    for value in hostile:
        output = command(value, tmp_path) if "FILE" in name else command(value)
        assert not CONTROL.search(output), f"{name}: raw control characters echoed for {value[:40]!r}"


def test_route_jsonl_answers_every_line_with_json():
    lines = []
    for number, value in enumerate(CORPUS):
        lines.append(json.dumps({"id": number, "query": value, "office": "shanxi"}))
        lines.append(json.dumps({"id": f"o{number}", "query": "tourism", "office": value, "limit": value}))
        lines.append(value.replace("\n", " ").replace("\r", " "))  # not JSON at all
    lines += ["[1, 2]", "\"text\"", "{\"query\": [1]}", "{\"query\": null, \"office\": {}}", "{\"limit\": 1e309}"]
    out, err = run_command("route", "--jsonl", stdin="\n".join(lines) + "\n")
    answers = [json.loads(line) for line in out.split("\n") if line]
    assert len(answers) == len([line for line in lines if line.strip()])
    assert all("error" in answer or "results" in answer for answer in answers)
    assert not CONTROL.search(out)


MODELS = (Office, Unit, Duty, Subject, SubjectAlias, PortfolioEntry, Transfer)


def snapshot():
    return {model.__name__: sorted(map(repr, model.objects.values_list())) for model in MODELS}


def small_document(value):
    """A one-office document with `value` in turn at each place a person could type it."""
    return {
        "subjects": [
            {"slug": "hostile-subject", "name_en": value, "name_zh": value, "aliases": [value], "parent": None}
        ],
        "offices": [
            {
                "slug": "hostile-office", "name_en": value, "name_zh": value, "level": "city", "source_file": value,
                "source_language": "en", "document_date": value, "staffing_posts": None, "telephone": value,
                "other_names": [{"name_en": value, "name_zh": value, "quote": value}],
                "units": [
                    {"slug": "general-office", "parent": None, "kind": "office", "name_en": value, "name_zh": value,
                     "source_label": value, "duties": [{"text_en": value, "text_zh": value}],
                     "subjects": [{"slug": "hostile-subject", "scope_en": value, "scope_zh": value, "quote": value}]},
                    {"slug": value, "parent": value, "kind": value, "name_en": "x", "name_zh": "x",
                     "source_label": "x"},
                ],
                "transfers": [{"direction": value, "text_en": value, "text_zh": value, "subjects": [value]}],
            }
        ],
    }


# import_org under property-based mutation ---------------------------------------------------------

from hypothesis import HealthCheck, given  # noqa: E402
from hypothesis import settings as hypothesis_settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from orgunits.interchange import OrgDataError  # noqa: E402
from orgunits.selectors import org_export  # noqa: E402
from orgunits.services import org_import, org_tree_faults  # noqa: E402
from routing.models import IndexVersion  # noqa: E402

JUNK = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=40),
    st.sampled_from(["", " ", "general-office", "tourism", "hunan", "Bad Slug", "2009-02-30", "\x00", "a" * 6000]),
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=5), st.integers(), max_size=2),
)
MUTATIONS = st.lists(
    st.tuples(st.integers(min_value=0, max_value=10**6), st.sampled_from(["set", "delete", "duplicate"]), JUNK),
    min_size=1,
    max_size=3,
)


def _paths(node, found):
    """Every (container, key) in the document, depth first."""
    items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
    for key, value in items:
        found.append((node, key))
        _paths(value, found)
    return found


def _mutate(document, mutations):
    for position, action, value in mutations:
        paths = _paths(document, [])
        container, key = paths[position % len(paths)]
        if action == "set":
            container[key] = value
        elif action == "delete":
            del container[key]
        elif isinstance(container, list):
            container.append(copy.deepcopy(container[key]))
        else:
            container[key] = [container[key], container[key]]
    return document


def _fingerprint():
    """Row counts of every model and of its history (any save or delete adds a history row)."""
    counts = tuple((model.objects.count(), model.history.count()) for model in MODELS)
    return counts, IndexVersion.objects.filter(pk=1).values_list("version", flat=True).first()


@pytest.fixture(scope="module")
def hunan_document(django_db_blocker):
    with django_db_blocker.unblock():
        document = org_export(office_slug="hunan")
    held = {entry["slug"] for unit in document["offices"][0]["units"] for entry in unit["subjects"]}
    held |= {subject["parent"] for subject in document["subjects"] if subject["slug"] in held and subject["parent"]}
    document["subjects"] = [subject for subject in document["subjects"] if subject["slug"] in held]
    return document


@hypothesis_settings(
    max_examples=100, deadline=None, derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(mutations=MUTATIONS)
def test_import_of_a_mutated_document_fails_cleanly_or_keeps_the_trees_sound(hunan_document, mutations):
    """Whatever a broken file holds: OrgDataError naming each problem and nothing written, or a sound import."""
    document = _mutate(copy.deepcopy(hunan_document), mutations)
    before = _fingerprint()
    try:
        with transaction.atomic():
            org_import(data=document)
            assert org_tree_faults() == []
            transaction.set_rollback(True)  # keep the next example's starting point
    except OrgDataError as exc:
        assert exc.problems and all(isinstance(problem, str) and ": " in problem for problem in exc.problems)
        assert _fingerprint() == before


def _unit_parent(document):
    document["offices"][0]["units"][1]["parent"] = ["general-office"]


def _subject_parent(document):
    document["subjects"][0]["parent"] = ["x"]


def _subject_slug(document):
    document["subjects"][0]["slug"] = ["x"]


def _portfolio_subject(document):
    unit = next(unit for unit in document["offices"][0]["units"] if unit["subjects"])
    unit["subjects"][0]["slug"] = {"slug": "tourism"}


def _transfer_subject(document):
    document["offices"][0]["transfers"] = [{"direction": "out", "text_en": "x", "text_zh": "x", "subjects": [["x"]]}]


def _long_telephone(document):
    document["offices"][0]["telephone"] = "1" * 101  # within the validator's limit, beyond the column's


UNHASHABLE = [_unit_parent, _subject_parent, _subject_slug, _portfolio_subject, _transfer_subject]


@pytest.mark.parametrize("breakage", [*UNHASHABLE, _long_telephone], ids=lambda function: function.__name__)
def test_import_refuses_wrongly_shaped_values_cleanly(hunan_document, breakage):
    document = copy.deepcopy(hunan_document)
    breakage(document)
    before = _fingerprint()
    with pytest.raises(OrgDataError):
        org_import(data=document)
    assert _fingerprint() == before


@pytest.mark.parametrize("breakage", UNHASHABLE, ids=lambda function: function.__name__)
def test_import_says_where_a_wrongly_shaped_value_is(hunan_document, breakage):
    document = copy.deepcopy(hunan_document)
    breakage(document)
    with pytest.raises(OrgDataError) as excinfo:
        org_import(data=document)
    assert "unexpected shape" not in str(excinfo.value)


# Control characters typed into the admin ---------------------------------------------------------

from django.db import models as db_models  # noqa: E402
from django.urls import reverse  # noqa: E402

from orgunits.models import OfficeName  # noqa: E402
from orgunits.validators import forbidden_character  # noqa: E402

ADMIN_TEXT_MODELS = (Office, OfficeName, Unit, Duty, PortfolioEntry, Transfer, Subject, SubjectAlias)
# Forms strip surrounding whitespace (which includes \x85) before validating; NUL has its own check.
CONTROL_INPUTS = [value for value in CORPUS if not isinstance(value, Raw) and forbidden_character(value.strip())
                  and "\x00" not in value and len(value) < 100]


def admin_form_data(response):
    """What an unchanged save of the admin page in `response` posts."""
    data = {}
    forms = [response.context["adminform"].form]
    for inline in response.context["inline_admin_formsets"]:
        forms.append(inline.formset.management_form)
        forms.extend(inline.formset.forms)
    for form in forms:
        for name in form.fields:
            value = form[name].value()
            if value is None or value is False:
                continue
            key = form.add_prefix(name)
            data[key] = [str(v) for v in value] if isinstance(value, (list, tuple)) else str(value)
    return data


@pytest.mark.parametrize("model", ADMIN_TEXT_MODELS, ids=lambda model: model.__name__)
def test_control_characters_typed_into_admin_fields_are_refused(admin_client_logged_in, model):
    assert len(CONTROL_INPUTS) >= 20
    obj = model.objects.order_by("pk").first()
    if obj is None:
        obj = OfficeName.objects.create(office=Office.objects.first(), name_en="Another name", name_zh="别名")
    url = reverse(f"admin:orgunits_{model._meta.model_name}_change", args=[obj.pk])
    base = admin_form_data(admin_client_logged_in.get(url))
    fields = [field.name for field in model._meta.concrete_fields
              if isinstance(field, (db_models.CharField, db_models.TextField)) and not field.choices
              and field.name in base and not isinstance(field, db_models.SlugField)]
    assert fields
    before = snapshot()
    for index, value in enumerate(CONTROL_INPUTS):
        field = fields[index % len(fields)]  # every input once, spread over the fields
        response = admin_client_logged_in.post(url, {**base, field: value})
        assert response.status_code == 200, (field, value)
        assert field in response.context["adminform"].form.errors, (field, value)
    assert snapshot() == before
