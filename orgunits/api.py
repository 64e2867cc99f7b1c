"""The JSON API: offices, one office's tree with duties and subjects (as `export_org` writes it), subjects.

The lists come a page at a time, as `{"count", "page", "pages", "next", "previous", "results"}`
with `next` and `previous` as links (or null), so that a response stays small however many
offices are loaded. `?page=N` picks the page.
"""
from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.http import JsonResponse
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from orgunits import selectors

JSON_OPTIONS = {"ensure_ascii": False, "indent": 1}
OFFICES_PER_PAGE = 100
SUBJECTS_PER_PAGE = 25


def _json(data, status=200):
    return JsonResponse(data, status=status, json_dumps_params=JSON_OPTIONS)


class _BadPage(Exception):
    pass


def _page(request, queryset, per_page):
    """The requested page of `queryset`; raises _BadPage with a readable reason."""
    paginator = Paginator(queryset, per_page, allow_empty_first_page=True)
    try:
        return paginator.page(request.GET.get("page") or 1)
    except PageNotAnInteger as exc:
        raise _BadPage(_("page must be a whole number from 1.")) from exc
    except EmptyPage as exc:
        raise _BadPage(
            _("There is no page %(page)s (the last is %(pages)d).")
            % {"page": request.GET.get("page"), "pages": paginator.num_pages}
        ) from exc


def _paginated(request, page, results):
    def link(number):
        return f"{request.path}?{urlencode({'page': number})}"

    return _json(
        {
            "count": page.paginator.count,
            "page": page.number,
            "pages": page.paginator.num_pages,
            "next": link(page.next_page_number()) if page.has_next() else None,
            "previous": link(page.previous_page_number()) if page.has_previous() else None,
            "results": results,
        }
    )


@require_safe
def office_list(request):
    """The offices in source order with their level, province and number of units, a page at a time."""
    try:
        page = _page(request, selectors.office_list(), OFFICES_PER_PAGE)
    except _BadPage as exc:
        return _json({"error": str(exc)}, status=400)
    return _paginated(
        request,
        page,
        [
            {
                "slug": office.slug,
                "name_en": office.name_en,
                "name_zh": office.name_zh,
                "level": office.level,
                "province_en": office.province_en,
                "province_zh": office.province_zh,
                "unit_count": office.unit_count,
                "url": office.get_absolute_url(),
                "api_url": reverse("orgunits:api_office_detail", kwargs={"office": office.slug}),
            }
            for office in page.object_list
        ],
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
    """Subjects by slug with their aliases and parent, and the offices and units that assign each, a page at a time."""
    try:
        page = _page(request, selectors.subject_ids_by_slug(), SUBJECTS_PER_PAGE)
    except _BadPage as exc:
        return _json({"error": str(exc)}, status=400)
    return _paginated(request, page, selectors.subject_catalogue(subject_ids=list(page.object_list)))
