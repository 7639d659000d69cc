"""django-allauth hooks: no open sign-up, language on login, password-change bookkeeping."""

from __future__ import annotations

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from allauth.mfa.adapter import DefaultMFAAdapter
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.utils import translation
from django.utils.translation import gettext as _

from rempart.accounts.services import password_changed
from rempart.audit.services import audit_record
from rempart.core.http import client_ip


class AccountAdapter(DefaultAccountAdapter):  # type: ignore[misc]
    def is_open_for_signup(self, request: HttpRequest) -> bool:
        """Accounts come from invitations only."""
        return False

    def login(self, request: HttpRequest, user: Any) -> None:
        super().login(request, user)
        translation.activate(user.language)
        request.session["language"] = user.language

    def post_login(self, request: HttpRequest, user: Any, **kwargs: Any) -> HttpResponse:
        response: HttpResponse = super().post_login(request, user, **kwargs)
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            user.language,
            samesite="Lax",
            secure=settings.SESSION_COOKIE_SECURE,
        )
        audit_record(
            actor=user, verb="accounts.user.signed_in", target=user, ip_address=client_ip(request)
        )
        return response

    def set_password(self, user: Any, password: str, commit: bool = True) -> None:
        super().set_password(user, password, commit=commit)
        if commit:
            password_changed(user=user)


class SocialAccountAdapter(DefaultSocialAccountAdapter):  # type: ignore[misc]
    def is_open_for_signup(self, request: HttpRequest, sociallogin: Any) -> bool:
        """Single sign-on only for people who already have an (invited) account."""
        return False

    def on_authentication_error(self, request: HttpRequest, *args: Any, **kwargs: Any) -> None:
        messages.error(request, _("Single sign-on failed. Use your e-mail and password."))
        super().on_authentication_error(request, *args, **kwargs)


class MFAAdapter(DefaultMFAAdapter):  # type: ignore[misc]
    def get_totp_label(self, user: Any) -> str:
        return str(user.email)
