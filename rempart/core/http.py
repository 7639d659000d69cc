"""Request helpers shared by views, the API and the audit log."""

from __future__ import annotations

import ipaddress
from typing import TYPE_CHECKING

from django.conf import settings
from django.http import HttpRequest

if TYPE_CHECKING:
    from rempart.accounts.models import User


class AuthenticatedHttpRequest(HttpRequest):
    """The request type of views behind `login_required`: `user` is a signed-in User."""

    user: User


def client_ip(request: HttpRequest | None) -> str | None:
    """The client address; X-Forwarded-For is believed only from REMPART_TRUSTED_PROXIES."""
    if request is None:
        return None
    remote: str | None = request.META.get("REMOTE_ADDR") or None
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if remote and forwarded and remote in settings.AUDIT_TRUSTED_PROXIES:
        candidate = forwarded.split(",")[-1].strip()
        try:
            return str(ipaddress.ip_address(candidate))
        except ValueError:
            return remote
    return remote


def is_htmx(request: HttpRequest) -> bool:
    return bool(getattr(request, "htmx", False))
