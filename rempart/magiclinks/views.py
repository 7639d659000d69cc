"""The view helper of personal links: a module's page for people without an account is

    @magic_link_view("awareness.learn")
    def learn(request, link, **kwargs):          # URL: path("m/learn/<str:token>/", learn)
        learner = subject_get(link.subject_kind, link.subject_id, link.establishment)
        …

Every answer carries no-store and no-referrer (the token is in the address). An unknown,
expired or revoked token gets the same French page and status, after the same work.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.utils.cache import add_never_cache_headers

from rempart.magiclinks.services import MagicLinkInvalidError, magiclink_resolve

ViewFunc = Callable[..., HttpResponseBase]
INVALID_STATUS = 404


def _private(response: HttpResponseBase) -> HttpResponseBase:
    add_never_cache_headers(response)
    response["Referrer-Policy"] = "no-referrer"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


def invalid_link_page(request: HttpRequest) -> HttpResponseBase:
    return _private(render(request, "magiclinks/invalid.html", status=INVALID_STATUS))


def magic_link_view(purpose: str) -> Callable[[ViewFunc], ViewFunc]:
    """Resolve `<str:token>` for `purpose`: the view receives the MagicLink instead."""

    def decorator(view: ViewFunc) -> ViewFunc:
        @wraps(view)
        def wrapper(request: HttpRequest, token: str, **kwargs: Any) -> HttpResponseBase:
            try:
                link = magiclink_resolve(token, purpose=purpose)
            except MagicLinkInvalidError:
                return invalid_link_page(request)
            return _private(view(request, link, **kwargs))

        return wrapper

    return decorator
