"""One error format for the whole API:

{"error": {"status": 400, "code": "invalid", "message": "…", "fields": {"name": ["…"]}}}
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from rempart.core.errors import ApplicationError, PermissionDeniedError


def _convert(exc: Exception) -> Exception:
    if isinstance(exc, PermissionDeniedError):
        return exceptions.PermissionDenied(str(exc.message))
    if isinstance(exc, ApplicationError):
        extra = {
            key: value if isinstance(value, list) else [value] for key, value in exc.extra.items()
        }
        return exceptions.ValidationError({"non_field_errors": [str(exc.message)], **extra})
    if isinstance(exc, DjangoValidationError):
        detail = (
            exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        )
        return exceptions.ValidationError(detail)
    if isinstance(exc, Http404):
        return exceptions.NotFound(_("Not found."))
    if isinstance(exc, PermissionDenied):
        return exceptions.PermissionDenied()
    return exc


def _flatten(detail: Any) -> Any:
    if isinstance(detail, dict):
        return {key: _flatten(value) for key, value in detail.items()}
    if isinstance(detail, list):
        return [_flatten(item) for item in detail]
    return str(detail)


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    exc = _convert(exc)
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    body: dict[str, Any] = {"status": response.status_code, "code": "error", "message": ""}
    if isinstance(exc, exceptions.ValidationError):
        body["code"] = "invalid"
        body["message"] = _("The request contains invalid data.")
        detail = exc.detail if isinstance(exc.detail, dict) else {"non_field_errors": exc.detail}
        body["fields"] = _flatten(detail)
    elif isinstance(exc, exceptions.APIException):
        codes = exc.get_codes()
        body["code"] = codes if isinstance(codes, str) else "error"
        body["message"] = str(exc.detail)
    if response.status_code == status.HTTP_500_INTERNAL_SERVER_ERROR:
        body["message"] = _("Internal error.")
    response.data = {"error": body}
    return response
