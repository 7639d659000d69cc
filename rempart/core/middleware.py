"""Security headers for every response (CSP without inline script, no framing); a GET on a
form's action leads to its page; no NUL character in an address."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import Resolver404, resolve
from django.utils.translation import gettext as _

from rempart.core.errors_views import bad_request

STRICT_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; frame-ancestors 'none'; form-action 'self'; "
    "base-uri 'self'; object-src 'none'"
)
# The API documentation page (Swagger UI, vendored) initialises itself with an inline script.
API_DOCS_CSP = STRICT_CSP.replace("script-src 'self'", "script-src 'self' 'unsafe-inline'").replace(
    "style-src 'self'", "style-src 'self' 'unsafe-inline'"
)


class SecurityHeadersMiddleware:
    """Adds Content-Security-Policy and Permissions-Policy headers."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        csp = API_DOCS_CSP if request.path.startswith("/api/v1/docs") else STRICT_CSP
        response.headers.setdefault("Content-Security-Policy", csp)
        response.headers.setdefault(
            "Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=()"
        )
        return response


# Paths that keep their 405: the API answers it in its JSON error format, and the public
# tracking links of phishing simulations must not turn a probe into a visit of the link.
KEEP_405 = ("/api/", "/p/")


class PostOnlyRedirectMiddleware:
    """A GET on an HTML page that only accepts POST (a form's action, followed from the
    browser's history or typed) leads to its page instead of an empty 405: the nearest
    parent path that the project serves (`/e/x/members/<id>/remove/` → `/e/x/members/`).
    The redirect says nothing the requested URL did not: the parent page checks access as
    usual. A parent that is itself POST-only is left the same way, one level up."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            response.status_code != 405  # noqa: PLR2004
            or request.method not in ("GET", "HEAD")
            or request.path_info.startswith(KEEP_405)
        ):
            return response
        return HttpResponseRedirect(
            request.META.get("SCRIPT_NAME", "") + parent_page(request.path_info)
        )


def parent_page(path: str) -> str:
    """The nearest proper parent of `path` that resolves to a view ("/" at worst)."""
    parts = [part for part in path.split("/") if part]
    while parts:
        parts.pop()
        candidate = "/" + "".join(f"{part}/" for part in parts)
        try:
            resolve(candidate)
        except Resolver404:
            continue
        return candidate
    return "/"


class NullCharacterMiddleware:
    """Refuse a NUL character in the path or the query string with a 400, before any view
    reads it: PostgreSQL cannot store or compare text holding one (the query would fail with
    a server error), and no page or API parameter has a use for it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if "\x00" in request.path or any(
            "\x00" in key or any("\x00" in value for value in values)
            for key, values in request.GET.lists()
        ):
            return bad_request(request, _("The address contains a null character."))
        return self.get_response(request)
