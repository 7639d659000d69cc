"""The tracking fast path's own request handler: `/p/<token>/…` hits skip the sign-in, session,
CSRF, messages and account middleware of the application (none of them applies to a public,
token-addressed page) and resolve against a URLconf of the six tracking routes only.

`config.wsgi.application` sends `/p/` paths here and everything else to Django's handler.
Security headers, the language (Accept-Language) and the error pages stay the same.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.handlers.exception import convert_exception_to_response
from django.core.handlers.wsgi import WSGIHandler
from django.http import HttpRequest, HttpResponse
from django.utils.module_loading import import_string

from rempart.phishing.tracking.logfilters import PREFIX

URLCONF = "rempart.phishing.tracking.urlconf"
MIDDLEWARE = (
    "rempart.phishing.tracking.wsgi.tracking_urlconf",
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "rempart.core.middleware.SecurityHeadersMiddleware",
)


def tracking_urlconf(
    get_response: Callable[[HttpRequest], HttpResponse],
) -> Callable[[HttpRequest], HttpResponse]:
    """Resolve against the tracking routes only (and their plain error pages)."""

    def middleware(request: HttpRequest) -> HttpResponse:
        request.urlconf = URLCONF
        return get_response(request)

    return middleware


class TrackingHandlerMixin:
    """Builds the middleware chain from MIDDLEWARE above instead of settings.MIDDLEWARE."""

    _get_response: Callable[[HttpRequest], HttpResponse]

    def load_middleware(self, is_async: bool = False) -> None:
        self._view_middleware: list[Any] = []
        self._template_response_middleware: list[Any] = []
        self._exception_middleware: list[Any] = []
        handler = convert_exception_to_response(self._get_response)
        for path in reversed(MIDDLEWARE):
            handler = convert_exception_to_response(import_string(path)(handler))
        self._middleware_chain = handler


class TrackingWSGIHandler(TrackingHandlerMixin, WSGIHandler):
    pass


def with_tracking(application: Callable[..., Any]) -> Callable[..., Any]:
    """The WSGI application that sends tracking paths to their own handler."""
    tracking = TrackingWSGIHandler()

    def dispatch(environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        if environ.get("PATH_INFO", "").startswith(PREFIX):
            return tracking(environ, start_response)
        return application(environ, start_response)

    return dispatch
