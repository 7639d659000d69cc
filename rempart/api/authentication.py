"""Bearer API tokens (`Authorization: Bearer rmp_…`)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions
from rest_framework.request import Request

from rempart.accounts.services import api_token_authenticate


class ApiTokenAuthentication(authentication.BaseAuthentication):
    """Authenticates with a personal API token; `request.auth` is the ApiToken (scopes)."""

    keyword = "Bearer"

    def authenticate(self, request: Request) -> tuple[Any, Any] | None:
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() not in (b"bearer", b"token"):
            return None
        if len(header) != 2:  # noqa: PLR2004
            raise exceptions.AuthenticationFailed(_("Malformed Authorization header."))
        token = api_token_authenticate(header[1].decode(errors="replace"))
        if token is None:
            raise exceptions.AuthenticationFailed(_("Invalid, expired or revoked API token."))
        return token.user, token

    def authenticate_header(self, request: Request) -> str:
        return self.keyword
