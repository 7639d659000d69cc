"""django-allauth hooks: no open sign-up, language on login, password-change bookkeeping."""

from __future__ import annotations

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.models import EmailAddress
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

    def set_password(self, user: Any, password: str) -> None:
        """Every password change (change, reset) clears a one-time password and is audited."""
        super().set_password(user, password)
        password_changed(user=user)


class SocialAccountAdapter(DefaultSocialAccountAdapter):  # type: ignore[misc]
    def is_open_for_signup(self, request: HttpRequest, sociallogin: Any) -> bool:
        """Single sign-on only for people who already have an (invited) account."""
        return False

    def pre_social_login(self, request: HttpRequest, sociallogin: Any) -> None:
        """Record the account's e-mail as verified when SSO first matches it.

        The e-mail of a Rempart account is verified by construction: the invitation was sent
        to it (there is no open sign-up). allauth does not know that and, on the first SSO
        sign-in matched by e-mail, wipes the password of an account whose address it has not
        seen verified: the password fallback would silently stop working.
        """
        super().pre_social_login(request, sociallogin)
        user = sociallogin.user
        if not sociallogin.is_existing or sociallogin.account.pk:
            return  # unknown person (refused later), or an identity already connected
        if not any(
            address.verified and address.email.lower() == user.email.lower()
            for address in sociallogin.email_addresses
        ):
            return
        address, _created = EmailAddress.objects.get_or_create(
            user=user,
            email=user.email,
            defaults={
                "verified": True,
                "primary": not EmailAddress.objects.filter(user=user, primary=True).exists(),
            },
        )
        if not address.verified:
            address.verified = True
            address.save(update_fields=["verified"])

    def on_authentication_error(self, request: HttpRequest, *args: Any, **kwargs: Any) -> None:
        messages.error(request, _("Single sign-on failed. Use your e-mail and password."))
        super().on_authentication_error(request, *args, **kwargs)


class MFAAdapter(DefaultMFAAdapter):  # type: ignore[misc]
    def get_totp_label(self, user: Any) -> str:
        return str(user.email)
