from django.http import HttpResponse


def healthz(request):
    """Liveness probe; touches neither the database nor the router."""
    return HttpResponse("ok", content_type="text/plain")
