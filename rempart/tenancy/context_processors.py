"""Template context: the user's establishments (switcher) and the current one."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from rempart.core import navigation
from rempart.tenancy import access
from rempart.tenancy.selectors import establishment_list

SWITCHER_LIMIT = 30


def establishments(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    current = getattr(request, "establishment", None)
    allowed = access.actions_on(user, current) if current is not None else frozenset()
    return {
        "current_establishment": current,
        "switcher_establishments": list(establishment_list(user=user)[:SWITCHER_LIMIT]),
        "is_operator_staff": access.is_operator_staff(user),
        "is_operator_admin": access.is_operator_admin(user),
        "nav_establishment": navigation.menu_for(
            user, "establishment", path=request.path, establishment=current, allowed=allowed
        ),
        "nav_global": navigation.menu_for(user, "global", path=request.path),
    }
