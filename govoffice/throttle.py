"""Per-address limits on the expensive anonymous endpoints (django-ratelimit).

Searching and routing read every unit of every office, and the subject list is the whole
taxonomy: a handful of clients looping on them would starve everyone else, /healthz included.
So an address that is not signed in may make at most `RATE_LIMITS[group]` requests to them;
the rest get a 429 (JSON on the API, a page otherwise) until the window ends. The address is
the one login lockouts use: the peer, or the client named by `TRUSTED_PROXY_COUNT` proxies.

Counts are kept in each worker process's memory (the `ratelimit` cache), so with several
workers or machines an address may make that many requests per process: the limit stops
floods, not a patient client.
"""
from django.conf import settings
from django.http import JsonResponse
from django.template.response import TemplateResponse
from django.utils.translation import ngettext
from django_ratelimit.core import get_usage

from orgunits.access import login_client_ip

# Path → the limit it counts against (see RATE_LIMITS in settings).
LIMITED_PATHS = {
    "/search/": "pages",
    "/route/": "pages",
    "/subjects/": "pages",
    "/api/route": "api",
    "/api/subjects/": "api",
}


def client_address(group, request):
    return login_client_ip(request) or "unknown"


def request_rate(group, request):
    """The limit for this request, or None (no limit) for signed-in staff and unset limits."""
    if request.user.is_authenticated:
        return None
    return settings.RATE_LIMITS.get(group.rpartition(".")[2]) or None


class RateLimitMiddleware:
    """Counts requests to the limited paths per client address and answers 429 past the limit."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        group = LIMITED_PATHS.get(request.path_info)
        if group is not None:
            usage = get_usage(
                request, group=f"govoffice.{group}", key=client_address, rate=request_rate, increment=True
            )
            if usage is not None and usage["should_limit"]:
                # In the window's last second time_left is 0: ask for one second, never "now".
                retry_after = max(1, usage["time_left"])
                return too_many_requests(request, limit=usage["limit"], retry_after=retry_after)
        return self.get_response(request)


def too_many_requests(request, *, limit, retry_after):
    message = ngettext(
        "Too many requests from your address: at most %(limit)d a minute to searches, routing and the "
        "subject list. Please wait %(seconds)d second and try again.",
        "Too many requests from your address: at most %(limit)d a minute to searches, routing and the "
        "subject list. Please wait %(seconds)d seconds and try again.",
        retry_after,
    ) % {"limit": limit, "seconds": retry_after}
    if request.path_info.startswith("/api/"):
        response = JsonResponse({"error": message}, status=429, json_dumps_params={"ensure_ascii": False})
    else:
        response = TemplateResponse(request, "429.html", {"message": message}, status=429).render()
    response["Retry-After"] = str(retry_after)
    return response
