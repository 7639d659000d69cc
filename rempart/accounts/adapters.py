"""django-allauth hooks: no open sign-up, language on login, password-change bookkeeping."""

from __future__ import annotations

import time
from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.authentication import (
    AUTHENTICATION_METHODS_SESSION_KEY,
    get_authentication_records,
)
from allauth.account.models import EmailAddress
from allauth.mfa.adapter import DefaultMFAAdapter
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from rempart.accounts import throttle
from rempart.accounts.mfa import has_second_factor, mfa_required
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
        password_confirmed(request)
        return response

    def get_password_change_redirect_url(self, request: HttpRequest) -> str:
        """After a password change, the next step: the second factor's set-up where it is
        mandatory and missing, else the platform (allauth shows the form again)."""
        password_confirmed(request, typed_now=True)  # the current password was just typed
        first = request.session.pop(FIRST_PASSWORD_SESSION_KEY, False)
        if mfa_required(request.user) and not has_second_factor(request.user):
            return reverse("mfa_activate_totp")
        return reverse(settings.LOGIN_REDIRECT_URL if first else "accounts:profile")

    def pre_authenticate(self, request: HttpRequest, **credentials: Any) -> None:
        """Refuse without checking the password while this address must wait for this login.

        Replaces allauth's per-login lockout, which refused the right password from
        anywhere: the wait applies to the address the failures came from (rempart/accounts/
        throttle.py)."""
        wait = throttle.sign_in_wait(login=_login(credentials), address=client_ip(request))
        if wait:
            raise ValidationError(throttle.throttled_message(wait), code="throttled")

    def authenticate(self, request: HttpRequest, **credentials: Any) -> Any:
        user = super().authenticate(request, **credentials)
        if user is not None:
            throttle.sign_in_succeeded(login=_login(credentials), address=client_ip(request))
        return user

    def authentication_failed(self, request: HttpRequest, **credentials: Any) -> None:
        wait = throttle.sign_in_failed(login=_login(credentials), address=client_ip(request))
        if wait:
            message = _("The e-mail address or password is wrong.")
            raise ValidationError(f"{message} {throttle.throttled_message(wait)}", code="throttled")

    def set_password(self, user: Any, password: str) -> None:
        """Every password change (change, reset) clears a one-time password and is audited."""
        super().set_password(user, password)
        password_changed(user=user)


FIRST_PASSWORD_SESSION_KEY = "rempart_first_password"  # noqa: S105 (a session key)


def password_confirmed(request: HttpRequest, *, typed_now: bool = False) -> None:
    """Count the password the person has just typed as allauth's re-authentication.

    allauth asks for the password again ("Confirmer l'accès") before any change of a second
    factor unless a *re*-authentication happened in the last few minutes; a sign-in or a
    password change that has just checked the password is as fresh a proof, so setting up
    MFA right after signing in does not ask for it again. Single sign-on records no password
    and is not affected; the usual timeout (5 minutes from the typing) applies."""
    records = [
        {**record, "reauthenticated": True} if record.get("method") == "password" else record
        for record in get_authentication_records(request, request.user)
    ]
    if typed_now:
        records.append({"method": "password", "at": time.time(), "reauthenticated": True})
    if records:
        request.session[AUTHENTICATION_METHODS_SESSION_KEY] = records


def _login(credentials: dict[str, Any]) -> str:
    return str(credentials.get("email") or credentials.get("username") or "")


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
