"""Error pages in the platform's layout (JSON for the API)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _


def _error(request: HttpRequest, status: int, message: str) -> HttpResponse:
    if request.path.startswith("/api/"):
        return JsonResponse(
            {"error": {"status": status, "code": "error", "message": message}}, status=status
        )
    return render(request, "error.html", {"status": status, "message": message}, status=status)


def bad_request(request: HttpRequest, message: str) -> HttpResponse:
    return _error(request, 400, message)


def forbidden(request: HttpRequest, exception: Any = None) -> HttpResponse:
    return _error(request, 403, _("You are not allowed to do this."))


def not_found(request: HttpRequest, exception: Any = None) -> HttpResponse:
    return _error(request, 404, _("This page does not exist or is not accessible to you."))


def server_error(request: HttpRequest) -> HttpResponse:
    return _error(request, 500, _("An internal error occurred. It has been logged."))
