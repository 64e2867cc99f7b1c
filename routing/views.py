"""The router's page and JSON API: thin wrappers around `routing.services.route_matter`."""
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from routing.forms import RouteForm, first_error
from routing.services import route_matter, routing_snapshot


def healthz(request):
    """Liveness probe; touches neither the database nor the router."""
    return HttpResponse("ok", content_type="text/plain")


@require_GET
def route_api(request):
    snapshot = routing_snapshot()
    form = RouteForm(request.GET, offices=snapshot.offices)
    if not form.is_valid():
        return JsonResponse({"error": first_error(form)}, status=400, json_dumps_params={"ensure_ascii": False})
    result = route_matter(
        text=form.cleaned_data["q"],
        office=form.cleaned_data["office"],
        limit=form.cleaned_data["limit"],
        snapshot=snapshot,
    )
    return JsonResponse(result.as_dict(), json_dumps_params={"ensure_ascii": False})


@require_GET
def route_page(request):
    snapshot = routing_snapshot()
    offices = snapshot.offices
    form = RouteForm(request.GET or None, offices=offices)
    result = None
    if form.is_bound and form.is_valid():
        result = route_matter(
            text=form.cleaned_data["q"],
            office=form.cleaned_data["office"],
            limit=form.cleaned_data["limit"],
            snapshot=snapshot,
        )
    return render(
        request,
        "routing/route.html",
        {"form": form, "result": result, "office_names": dict(offices)},
        status=400 if form.is_bound and not form.is_valid() else 200,
    )
