"""HTML views of the accounts app: invitation acceptance, profile, API tokens, language."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone, translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from rempart.accounts import selectors, services, throttle
from rempart.accounts.forms import (
    AcceptInvitationForm,
    ApiTokenForm,
    LanguageForm,
    StaffInviteForm,
    UnlockForm,
)
from rempart.accounts.mfa import has_second_factor, mfa_required
from rempart.core.errors import ApplicationError
from rempart.core.http import AuthenticatedHttpRequest, client_ip
from rempart.core.views import operator_view
from rempart.tenancy.selectors import default_operator, group_list


def invitation_accept(request: HttpRequest, token: str) -> HttpResponse:
    """Open an invitation link: create the account, or join with the signed-in one."""
    try:
        invitation = services.invitation_lookup(token)
    except ApplicationError as error:
        return render(
            request,
            "accounts/invitation_invalid.html",
            {"error": error.message},
            status=410 if error.code in ("expired", "used", "revoked") else 404,
        )
    user = request.user if request.user.is_authenticated else None
    form = AcceptInvitationForm(request.POST or None, email=invitation.email)
    if request.method == "POST" and (user is not None or form.is_valid()):
        try:
            accepted = services.invitation_accept(
                token=token,
                user=user,
                ip_address=client_ip(request),
                full_name=form.cleaned_data.get("full_name", "") if user is None else "",
                password=form.cleaned_data.get("password1", "") if user is None else "",
            )
        except ApplicationError as error:
            form.add_error(None, str(error.message))
        else:
            if user is None:
                login(request, accepted, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, _("Welcome! Your access is ready."))
            return redirect("dashboard:home")
    return render(
        request,
        "accounts/invitation_accept.html",
        {"invitation": invitation, "form": form, "signed_in_user": user},
    )


@require_safe
@login_required
def profile(request: AuthenticatedHttpRequest) -> HttpResponse:
    return render(
        request,
        "accounts/profile.html",
        {
            "tokens": selectors.api_token_list(user=request.user),
            "language_form": LanguageForm(initial={"language": request.user.language}),
            "has_mfa": has_second_factor(request.user),
            "mfa_required": mfa_required(request.user),
        },
    )


@login_required
def api_token_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = ApiTokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        expires = dt.datetime.combine(
            form.cleaned_data["expires_on"], dt.time(23, 59), tzinfo=timezone.get_current_timezone()
        )
        try:
            issued = services.api_token_create(
                user=request.user,
                name=form.cleaned_data["name"],
                scopes=form.cleaned_data["scopes"],
                expires_at=expires,
                ip_address=client_ip(request),
            )
        except ApplicationError as error:
            form.add_error(None, str(error.message))
        else:
            return render(
                request,
                "accounts/api_token_created.html",
                {"token": issued.obj, "secret": issued.secret},
            )
    return render(request, "accounts/api_token_form.html", {"form": form})


@require_POST
@login_required
def api_token_revoke(request: AuthenticatedHttpRequest, public_id: Any) -> HttpResponse:
    token = selectors.api_token_get(user=request.user, public_id=public_id)
    services.api_token_revoke(token=token, actor=request.user, ip_address=client_ip(request))
    messages.success(request, _("The token has been revoked."))
    return redirect("accounts:profile")


@require_POST
def language_set(request: HttpRequest) -> HttpResponse:
    """Switch the interface language (cookie) and remember it on the account."""
    form = LanguageForm(request.POST)
    target = request.POST.get("next") or "/"
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = "/"
    response = redirect(target)
    if form.is_valid():
        language = form.cleaned_data["language"]
        translation.activate(language)
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            language,
            samesite="Lax",
            secure=settings.SESSION_COOKIE_SECURE,
        )
        if request.user.is_authenticated:
            services.user_language_set(user=request.user, language=language)
    return response


@operator_view(admin=True)
def staff_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The regional team: members, roles, perimeters and pending invitations."""
    form = StaffInviteForm(request.POST or None, groups=group_list(user=request.user))
    if request.method == "POST" and form.is_valid():
        try:
            services.staff_invitation_create(
                operator=default_operator(),
                email=form.cleaned_data["email"],
                role=form.cleaned_data["role"],
                invited_by=request.user,
                groups=list(form.cleaned_data["groups"]),
                ip_address=client_ip(request),
            )
        except ApplicationError as error:
            form.add_error(None, str(error.message))
        else:
            messages.success(
                request, _("Invitation sent to %(email)s.") % {"email": form.cleaned_data["email"]}
            )
            return redirect("accounts:staff_list")
    return render(
        request,
        "accounts/staff_list.html",
        {
            "form": form,
            "staff": selectors.staff_list(),
            "invitations": selectors.staff_invitation_list(),
        },
    )


@require_safe
@operator_view(admin=True)
def sign_in_throttles(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Sign-ins waiting after wrong passwords (by login and address), to lift the wait."""
    return render(
        request,
        "accounts/sign_in_throttles.html",
        {"throttles": throttle.throttle_list(), "policy": throttle.policy()},
    )


@require_POST
@operator_view(admin=True)
def sign_in_unlock(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = UnlockForm(request.POST)
    if form.is_valid():
        count = throttle.sign_in_unlock(
            actor=request.user, pk=form.cleaned_data["throttle"], ip_address=client_ip(request)
        )
        if count:
            messages.success(request, _("The wait has been lifted."))
        else:
            messages.info(request, _("This wait had already ended."))
    return redirect("accounts:sign_in_throttles")
