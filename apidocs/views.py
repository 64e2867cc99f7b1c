"""The API description as JSON, and the same description as a page for people."""
from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from apidocs.openapi import openapi_description
from apidocs.reading import inline_code, operations


@require_safe
def openapi_json(request):
    return JsonResponse(openapi_description(), json_dumps_params={"ensure_ascii": False, "indent": 1})


@require_safe
def docs_page(request):
    """Every operation with its parameters, request body and answers, rendered on the server (no scripts)."""
    description = openapi_description()
    info = {**description["info"], "description": inline_code(description["info"]["description"])}
    return render(request, "apidocs/docs.html", {"info": info, "operations": operations(description)})
