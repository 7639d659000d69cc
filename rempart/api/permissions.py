"""Token scopes: a token may only use the modules (read or write) it was created for."""

from __future__ import annotations

from typing import Any

from rest_framework import permissions
from rest_framework.request import Request

from rempart.accounts import scopes
from rempart.accounts.models import ApiToken


class TokenScopePermission(permissions.BasePermission):
    """Session users are unrestricted here (their role decides); tokens also need the scope.

    A view declares `scope_module` ("*" for any scope); a view without one refuses token
    access (deny by default).
    """

    message = "This API token does not have the scope needed for this request."

    def has_permission(self, request: Request, view: Any) -> bool:
        token = request.auth
        if not isinstance(token, ApiToken):
            return True
        module = getattr(view, "scope_module", None)
        if module is None:
            return False
        if module == "*":
            return True
        write = request.method not in permissions.SAFE_METHODS
        return scopes.allows(list(token.scopes), module, write=write)
