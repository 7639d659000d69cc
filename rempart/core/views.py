"""View helpers: establishment resolution from the URL, error pages, health check."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.http.response import HttpResponseBase
from django.views.decorators.http import require_GET

from rempart.core.actions import Action
from rempart.tenancy import access
from rempart.tenancy.selectors import establishment_get

ViewFunc = Callable[..., HttpResponseBase]


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
