"""Sign-in requirements: change a one-time password, then set up MFA where it is mandatory."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

from rempart.accounts.adapters import FIRST_PASSWORD_SESSION_KEY
from rempart.accounts.mfa import has_second_factor, mfa_required

ALWAYS_ALLOWED = ("/static/", "/i18n/", "/accounts/logout/", "/healthz", "/favicon.ico")
MFA_SETUP_PATHS = ("/accounts/2fa/", "/accounts/reauthenticate/", "/accounts/password/change/")


class AccountRequirementsMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or request.path.startswith(ALWAYS_ALLOWED):
            return self.get_response(request)
        if user.must_change_password and request.path != reverse("account_change_password"):
            request.session[FIRST_PASSWORD_SESSION_KEY] = True
            return self._refuse(
                request,
                "account_change_password",
                _("Choose a new password before using the platform."),
            )
        if (
            not user.must_change_password
            and not request.path.startswith(MFA_SETUP_PATHS)
            and mfa_required(user)
            and not has_second_factor(user)
        ):
            return self._refuse(
                request,
                "mfa_activate_totp",
                _("Set up two-factor authentication before using the platform."),
            )
        return self.get_response(request)

    @staticmethod
    def _refuse(request: HttpRequest, url_name: str, message: str) -> HttpResponse:
        if request.path.startswith("/api/"):
            return JsonResponse(
                {"error": {"status": 403, "code": "account_setup_required", "message": message}},
                status=403,
            )
        return redirect(reverse(url_name))
