"""The organisation in standard formats: Popolo, W3C ORG JSON-LD, the SKOS taxonomy and Open311 GeoReport v2.

Thin views: a selector reads, a builder in `orgunits.formats` shapes, and the view writes JSON or XML.
"""
import re

from django.http import HttpResponse, JsonResponse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from orgunits import formats, selectors
from orgunits.spreadsheets import UnitResource

JSON_OPTIONS = {"ensure_ascii": False, "indent": 1}
JSON_LD = "application/ld+json"
# Offices and subjects are named by slugs; anything else names nothing and is not looked up
# (PostgreSQL refuses some characters, such as NUL, in a query).
SLUG_RE = re.compile(r"[-a-zA-Z0-9_]+")


def _json(data, status=200, content_type="application/json"):
    return JsonResponse(data, status=status, safe=False, content_type=content_type, json_dumps_params=JSON_OPTIONS)


def _links(request):
    return formats.Links(request.build_absolute_uri("/"))


def _no_office():
    return _json({"detail": _("There is no office with this address.")}, status=404)


@require_safe
def office_popolo(request, office):
    """The office's units as Popolo organizations."""
    data = selectors.office_export(office_slug=office)
    if data is None:
        return _no_office()
    return _json(formats.popolo_organizations(office=data, links=_links(request)))


@require_safe
def office_org(request, office):
    """The office as a W3C ORG graph in JSON-LD."""
    data = selectors.office_export(office_slug=office)
    if data is None:
        return _no_office()
    return _json(formats.org_graph(office=data, links=_links(request)), content_type=JSON_LD)


@require_safe
def office_units_csv(request, office):
    """The office's units as CSV, in the columns the admin's spreadsheet import reads."""
    if selectors.office_get(slug=office) is None:
        return _no_office()
    sheet = UnitResource().export(queryset=selectors.office_units_for_sheet(office_slug=office))
    response = HttpResponse(sheet.csv, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{office}-units.csv"'
    return response


@require_safe
def subjects_jsonld(request):
    """The shared subject taxonomy as a SKOS concept scheme in JSON-LD."""
    scheme = formats.skos_scheme(subjects=selectors.subject_taxonomy(), links=_links(request))
    return _json(scheme, content_type=JSON_LD)


# Open311 GeoReport v2 ---------------------------------------------------------------------------


def _open311_error(code, description, as_xml):
    errors = [{"code": code, "description": description}]
    if as_xml:
        return HttpResponse(formats.open311_errors_xml(errors), status=code, content_type="application/xml")
    return _json(errors, status=code)


@require_safe
def open311_services(request, fmt):
    """Every subject as a GeoReport v2 service; `jurisdiction_id` (an office) keeps those it handles."""
    as_xml = fmt == "xml"
    jurisdiction = request.GET.get("jurisdiction_id") or None
    if jurisdiction is not None and (
        not SLUG_RE.fullmatch(jurisdiction) or selectors.office_get(slug=jurisdiction) is None
    ):
        return _open311_error(404, _("Unknown jurisdiction_id %(value)s.") % {"value": jurisdiction}, as_xml)
    services = formats.open311_services(
        subjects=selectors.subject_taxonomy(office_slug=jurisdiction),
        chinese=(get_language() or "en").lower().startswith("zh"),
    )
    if as_xml:
        return HttpResponse(formats.open311_services_xml(services), content_type="application/xml; charset=utf-8")
    return _json(services)


@require_safe
def open311_service_definition(request, code):
    """The service definition of one subject: no attributes, and the unit that handles it in each office."""
    handlers = selectors.subject_handlers(slug=code) if SLUG_RE.fullmatch(code) else None
    if handlers is None:
        return _open311_error(404, _("Unknown service_code %(value)s.") % {"value": code}, as_xml=False)
    links = _links(request)
    offices = [
        (
            office.slug,
            office.name,
            [
                {
                    "slug": unit.slug,
                    "name_en": unit.name_en,
                    "name_zh": unit.name_zh,
                    "url": links.unit(office.slug, unit.slug),
                }
                for unit in units
            ],
        )
        for office, units in handlers
    ]
    return _json(formats.open311_definition(subject=code, offices=offices))
