"""Helpers shared by the scanning views."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError

from rempart.core.errors import ApplicationError, PermissionDeniedError


def report_error(request: Any, form: Any, error: ValidationError | ApplicationError) -> None:
    """Show a service's refusal on the form, or as a message when there is no form.
    A permission refusal is not a form error: it answers 403."""
    if isinstance(error, PermissionDeniedError):
        raise PermissionDenied from error
    if isinstance(error, ApplicationError):
        text = str(error.message)
    elif hasattr(error, "error_dict"):
        if form is not None:
            for field, errors in error.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
            return
        text = " ".join(m for msgs in error.message_dict.values() for m in msgs)
    else:
        text = " ".join(error.messages)
    if form is not None:
        form.add_error(None, text)
    else:
        messages.error(request, text)


def partial_or_page(request: Any, page: str, partial: str) -> str:
    return partial if getattr(request, "htmx", False) else page
