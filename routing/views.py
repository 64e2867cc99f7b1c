"""The router's page and JSON API: thin wrappers around `routing.services.route_matter`."""
from datetime import datetime, time, timedelta
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, RequestDataTooBig, ValidationError
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from routing.access import access_office_for_recorder, recording_office_ids, user_can_record, user_is_recorder
from routing.dashboard import bar_chart, week_starts, weekly_columns
from routing.forms import RecordForm, RouteForm, RouteRequestError, first_error, route_request_from_json
from routing.selectors import dashboard_stats, office_by_slug, record_unit_choices, unit_by_slug
from routing.services import record_create, route_matter, routing_snapshot


def healthz(request):
    """Liveness probe; touches neither the database nor the router."""
    return HttpResponse("ok", content_type="text/plain")


def _json_error(message):
    return JsonResponse({"error": message}, status=400, json_dumps_params={"ensure_ascii": False})


# Routing changes nothing, so a cross-site POST can do no harm: no CSRF token is asked of API clients.
@csrf_exempt
@require_http_methods(["GET", "POST"])
def route_api(request):
    """GET with query parameters, or POST a JSON object {"q", "office", "limit"} (for long matters)."""
    snapshot = routing_snapshot()
    if request.method == "POST":
        try:
            data = route_request_from_json(request.body)
        except RequestDataTooBig:
            return _json_error("The request body is too large.")
        except RouteRequestError as exc:
            return _json_error(str(exc))
    else:
        data = request.GET
    form = RouteForm(data, offices=snapshot.offices)
    if not form.is_valid():
        return _json_error(first_error(form))
    result = route_matter(
        text=form.cleaned_data["q"],
        office=form.cleaned_data["office"],
        limit=form.cleaned_data["limit"],
        snapshot=snapshot,
    )
    return JsonResponse(result.as_dict(), json_dumps_params={"ensure_ascii": False})


# The page only reads, like the API; its form posts so that long matters fit (no URL length limit).
@csrf_exempt
@require_http_methods(["GET", "POST"])
def route_page(request):
    if request.method == "POST":
        data = request.POST
    elif "q" in request.GET or set(request.GET) - {"office"}:
        data = request.GET
    else:
        data = None  # /route/ and /route/?office=x (after recording) open the empty form
    return _render_route(request, data=data)


def _render_route(request, *, data, record_form=None, status=None):
    snapshot = routing_snapshot()
    offices = snapshot.offices
    form = RouteForm(data, offices=offices, initial={"office": request.GET.get("office", "")})
    result = None
    if form.is_bound and form.is_valid():
        result = route_matter(
            text=form.cleaned_data["q"],
            office=form.cleaned_data["office"],
            limit=form.cleaned_data["limit"],
            snapshot=snapshot,
        )
        if record_form is None:
            record_form = _record_form_for(request, result)
    return render(
        request,
        "routing/route.html",
        {"form": form, "result": result, "office_names": dict(offices), "record_form": record_form,
         "records_dashboard": request.user.is_authenticated and user_is_recorder(request.user)},
        status=status or (400 if form.is_bound and not form.is_valid() else 200),
    )


def _record_form_for(request, result):
    """The clerk's form under a result: only for a chosen office the user records for."""
    if not result.office or not request.user.is_authenticated:
        return None
    office = office_by_slug(slug=result.office)
    if office is None or not user_can_record(user=request.user, office_id=office.pk):
        return None
    suggested = result.results[0].unit if result.results and not result.transfer else ""
    return RecordForm(
        units=_unit_choices(office.slug),
        initial={
            "q": result.query, "office": office.slug, "suggested": suggested, "unit": suggested or RecordForm.NO_UNIT,
        },
    )


def _unit_choices(office_slug):
    chinese = (get_language() or "en").lower().startswith("zh")
    units = record_unit_choices(office_slug=office_slug)
    return [(slug, name_zh if chinese else name_en) for slug, name_en, name_zh in units]


@require_POST
def record_view(request):
    """Save a clerk's verdict on a routed matter, then go back to the route page with a message."""
    if not user_is_recorder(request.user):
        raise PermissionDenied
    office = office_by_slug(slug=request.POST.get("office", ""))
    if office is not None:
        access_office_for_recorder(user=request.user, office=office)
    form = RecordForm(request.POST, units=_unit_choices(office.slug) if office else ())
    if office is not None and form.is_valid():
        data = form.cleaned_data
        try:
            record = record_create(
                office=office, text=data["q"], outcome=data["outcome"], reason=data["reason"], user=request.user,
                unit=unit_by_slug(office=office, slug=data["chosen"]) if data["chosen"] else None,
                suggested_unit=unit_by_slug(office=office, slug=data["suggested"]) if data["suggested"] else None,
            )
        except ValidationError as exc:
            form.add_error(None, exc.messages)
        else:
            unit_name = dict(form.units).get(data["chosen"]) if data["chosen"] else None
            messages.success(request, _("Recorded: %(unit)s (%(outcome)s).") % {
                "unit": unit_name or _("no unit of this office"), "outcome": record.get_outcome_display(),
            })
            return redirect(f"{reverse('routing:route')}?{urlencode({'office': office.slug})}")
    if office is None:
        form.add_error("office", _("Unknown office."))
    route_data = {"q": request.POST.get("q", ""), "office": office.slug if office else ""}
    return _render_route(request, data=route_data, record_form=form, status=400)


DASHBOARD_WEEKS = (4, 12, 26, 52)


def dashboard(request):
    """Routing records at a glance, for clerks and editors: their offices' matters, units, subjects,
    abstentions and corrections over the last weeks. Every figure is aggregated by the database.
    """
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path(), reverse("admin:login"))
    if not user_is_recorder(request.user):
        raise PermissionDenied
    office_ids = recording_office_ids(request.user)
    try:
        weeks = int(request.GET.get("weeks", 12))
    except (TypeError, ValueError):
        weeks = 12
    if weeks not in DASHBOARD_WEEKS:
        weeks = 12
    today = timezone.localdate()
    since_day = today - timedelta(days=7 * weeks - 1)
    since_day -= timedelta(days=since_day.weekday())  # whole weeks, from a Monday
    since = timezone.make_aware(datetime.combine(since_day, time.min))
    stats = dashboard_stats(office_ids=office_ids, since=since)
    return render(request, "routing/dashboard.html", {
        "weeks": weeks, "week_choices": DASHBOARD_WEEKS, "since": since_day,
        **dashboard_context(stats, since_day, today),
    })


def _name(row, prefix):
    chinese = (get_language() or "en").lower().startswith("zh")
    return row[f"{prefix}name_zh" if chinese else f"{prefix}name_en"] or row.get(f"{prefix}slug") or ""


def _rate(part, whole):
    return round(100 * part / whole, 1) if whole else None


def dashboard_context(stats, since_day, today):
    """The charts and tables of the dashboard, laid out from the counts."""
    offices = [
        {
            "slug": row["office__slug"], "name": _name(row, "office__"), "total": row["total"],
            "confirmed": row["confirmed"], "corrected": row["corrected"], "no_unit": row["no_unit"],
            "abstained": row["abstained"], "abstention_rate": _rate(row["abstained"], row["total"]),
            "correction_rate": _rate(row["corrected"], row["confirmed"] + row["corrected"]),
        }
        for row in stats["by_office"]
    ]
    names = {office["slug"]: office["name"] for office in offices}
    counts = {}
    for row in stats["weekly"]:
        week = row["week"].date() if hasattr(row["week"], "date") else row["week"]
        counts[(week, row["office__slug"])] = counts.get((week, row["office__slug"]), 0) + row["count"]
    weeks = week_starts(since=since_day, until=today)
    weekly = weekly_columns(weeks=weeks, series=[(office["slug"], office["name"]) for office in offices], counts=counts)
    units = [
        {"label": _name(row, "unit__"), "office": names.get(row["unit__office__slug"], row["unit__office__slug"]),
         "count": row["count"]}
        for row in stats["units"]
    ]
    subjects = [{"label": _name(row, "subject__"), "count": row["count"]} for row in stats["subjects"]]
    corrections = [
        {"office": names.get(row["office__slug"], row["office__slug"]),
         "suggested": _name(row, "suggested_unit__") if row["suggested_unit__slug"] else None,
         "chosen": _name(row, "unit__"), "count": row["count"]}
        for row in stats["corrections"]
    ]
    total = sum(office["total"] for office in offices)
    confirmed = sum(office["confirmed"] for office in offices)
    corrected = sum(office["corrected"] for office in offices)
    abstained = sum(office["abstained"] for office in offices)
    return {
        "offices": offices,
        "total": total,
        "abstained": abstained,
        "abstention_rate": _rate(abstained, total),
        "corrected": corrected,
        "correction_rate": _rate(corrected, confirmed + corrected),
        "weekly": weekly,
        "unit_chart": bar_chart([(f"{unit['label']} · {unit['office']}", unit["count"]) for unit in units]),
        "units": units,
        "subject_chart": bar_chart([(subject["label"], subject["count"]) for subject in subjects]),
        "subjects": subjects,
        "corrections": corrections,
    }
