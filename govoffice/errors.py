"""Error answers: JSON under /api/, the site's pages elsewhere."""
from django.http import JsonResponse
from django.utils.translation import gettext as _
from django.views import defaults


def page_not_found(request, exception):
    """An address under /api/ that names nothing gets a JSON 404, as API clients expect."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": _("There is no such address in the API.")}, status=404)
    return defaults.page_not_found(request, exception)
