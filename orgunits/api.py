"""The JSON API: offices, one office's tree with duties and subjects (as `export_org` writes it), subjects."""
from django.http import JsonResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from orgunits import selectors

JSON_OPTIONS = {"ensure_ascii": False, "indent": 1}


def _json(data, status=200):
    return JsonResponse(data, status=status, json_dumps_params=JSON_OPTIONS)


@require_safe
def office_list(request):
    """The offices in source order with their level and number of units."""
    return _json(
        {
            "offices": [
                {
                    "slug": office.slug,
                    "name_en": office.name_en,
                    "name_zh": office.name_zh,
                    "level": office.level,
                    "unit_count": office.unit_count,
                    "url": office.get_absolute_url(),
                    "api_url": reverse("orgunits:api_office_detail", kwargs={"office": office.slug}),
                }
                for office in selectors.office_list()
            ]
        }
    )


@require_safe
def office_detail(request, office):
    """One office in the interchange shape: facts, other names, units with duties and subjects, transfers."""
    data = selectors.office_export(office_slug=office)
    if data is None:
        return _json({"detail": _("There is no office with this address.")}, status=404)
    return _json(data)


@require_safe
def subject_list(request):
    """Every subject with its aliases and parent, and the offices and units that assign it."""
    return _json({"subjects": selectors.subject_catalogue()})
