"""Phishing settings of an establishment: the hub, mail domains (DNS proof) and their
deliverability check."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from rempart.core.actions import Action
from rempart.core.errors import ApplicationError
from rempart.core.http import AuthenticatedHttpRequest, client_ip
from rempart.core.views import establishment_view, report_error
from rempart.phishing import selectors
from rempart.phishing.settings import deliverability, services
from rempart.phishing.settings.forms import DeliverabilityForm, DomainForm
from rempart.tenancy import access
from rempart.tenancy.models import Establishment


def can_manage(request: AuthenticatedHttpRequest, establishment: Establishment) -> bool:
    return access.can(request.user, Action.MANAGE, establishment)


@require_safe
@establishment_view(Action.VIEW)
def settings_hub(request: AuthenticatedHttpRequest, establishment: Establishment) -> HttpResponse:
    summary = selectors.settings_summary(user=request.user, establishment=establishment)
    return render(
        request,
        "phishing/config/settings.html",
        {"establishment": establishment, "summary": summary},
    )


# Mail domains ------------------------------------------------------------------------------


@require_safe
@establishment_view(Action.VIEW)
def domain_list(request: AuthenticatedHttpRequest, establishment: Establishment) -> HttpResponse:
    return render(
        request,
        "phishing/config/domain_list.html",
        {
            "establishment": establishment,
            "domains": selectors.domain_list(user=request.user, establishment=establishment),
            "form": DomainForm(),
            "can_manage": can_manage(request, establishment),
            "txt_prefix": services.TXT_PREFIX,
        },
    )


@require_POST
@establishment_view(Action.MANAGE)
def domain_add(request: AuthenticatedHttpRequest, establishment: Establishment) -> HttpResponse:
    form = DomainForm(request.POST)
    if form.is_valid():
        try:
            services.domain_add(
                establishment=establishment,
                domain=form.cleaned_data["domain"],
                actor=request.user,
                ip_address=client_ip(request),
            )
            messages.success(request, _("The domain has been added: publish its TXT record."))
        except ApplicationError as error:
            report_error(request, None, error)
    else:
        messages.error(request, _("Give a domain name."))
    return redirect("phishing:domain_list", establishment=establishment.slug)


@require_POST
@establishment_view(Action.MANAGE)
def domain_check(
    request: AuthenticatedHttpRequest, establishment: Establishment, public_id: Any
) -> HttpResponse:
    domain = selectors.domain_get(
        user=request.user, public_id=public_id, establishment=establishment, action=Action.MANAGE
    )
    try:
        services.domain_check_dns(domain=domain, actor=request.user, ip_address=client_ip(request))
        messages.success(request, _("The domain %(domain)s is verified.") % {"domain": domain})
    except ApplicationError as error:
        report_error(request, None, error)
    return redirect("phishing:domain_list", establishment=establishment.slug)


# Deliverability (read-only) ----------------------------------------------------------------


@require_safe
@establishment_view(Action.MANAGE)
def domain_deliverability(
    request: AuthenticatedHttpRequest, establishment: Establishment, public_id: Any
) -> HttpResponse:
    domain = selectors.domain_get(
        user=request.user, public_id=public_id, establishment=establishment, action=Action.MANAGE
    )
    profiles = selectors.profile_list(user=request.user, establishment=establishment)
    form = DeliverabilityForm(request.GET or None, profiles=profiles)
    checks = None
    if form.is_bound and form.is_valid():
        try:
            checks = deliverability.deliverability_check(
                domain=domain,
                actor=request.user,
                selector=form.cleaned_data["selector"],
                profile=form.cleaned_data["profile"],
            )
        except ApplicationError as error:
            report_error(request, form, error)
    return render(
        request,
        "phishing/config/domain_deliverability.html",
        {"establishment": establishment, "domain": domain, "form": form, "checks": checks},
    )
