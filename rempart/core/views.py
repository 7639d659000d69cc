"""View helpers: establishment resolution from the URL, service refusals shown on forms, error
pages, health check."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.http.response import HttpResponseBase
from django.views.decorators.http import require_GET

from rempart.core.actions import Action
from rempart.core.errors import ApplicationError, PermissionDeniedError
from rempart.tenancy import access
from rempart.tenancy.selectors import establishment_get

ViewFunc = Callable[..., HttpResponseBase]


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


def establishment_view(action: Action = Action.VIEW) -> Callable[[ViewFunc], ViewFunc]:
    """Resolve `<slug:establishment>` once: 404 outside the user's reach, 403 without `action`.

    The view receives the Establishment object instead of the slug; the slug is remembered
    in the session as the user's current establishment.
    """

    def decorator(view: ViewFunc) -> ViewFunc:
        @login_required
        @wraps(view)
        def wrapper(request: HttpRequest, establishment: str, **kwargs: Any) -> HttpResponseBase:
            obj = establishment_get(user=request.user, slug=establishment)
            if action != Action.VIEW and not access.can(request.user, action, obj):
                raise PermissionDenied
            request.session["establishment"] = obj.slug
            request.establishment = obj  # type: ignore[attr-defined]
            return view(request, obj, **kwargs)

        wrapper.required_action = action  # type: ignore[attr-defined]  # read by the menu
        return wrapper

    return decorator


def operator_view(*, admin: bool = False) -> Callable[[ViewFunc], ViewFunc]:
    """Screens of the regional team (`/operator/…`): staff only, admins for `admin=True`."""

    def decorator(view: ViewFunc) -> ViewFunc:
        @login_required
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            allowed = (
                access.is_operator_admin(request.user)
                if admin
                else access.is_operator_staff(request.user)
            )
            if not allowed:
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness and database check for load balancers and `make run`."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})
