"""Webhooks settings of an establishment: endpoints (create, edit, delete, new secret, test
event) and the recent deliveries (retry a failed one).

The signing secret is shown once, in the answer to the request that generated it (never
stored in the session, never shown again)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from rempart.core.actions import Action
from rempart.core.errors import ApplicationError
from rempart.core.http import AuthenticatedHttpRequest, client_ip
from rempart.core.tables import render_list
from rempart.core.views import establishment_view, report_error
from rempart.tenancy import access
from rempart.tenancy.models import Establishment
from rempart.webhooks import selectors, services
from rempart.webhooks.choices import DeliveryState
from rempart.webhooks.forms import EndpointForm
from rempart.webhooks.models import WebhookEndpoint
from rempart.webhooks.signing import TOLERANCE_SECONDS
from rempart.webhooks.tables import DeliveryFilterSet, DeliveryTable


def _list(establishment: Establishment) -> HttpResponse:
    return redirect("webhooks:endpoint_list", establishment=establishment.slug)


def _secret_page(
    request: AuthenticatedHttpRequest, endpoint: WebhookEndpoint, secret: str
) -> HttpResponse:
    response = render(
        request,
        "webhooks/secret.html",
        {
            "establishment": endpoint.establishment,
            "endpoint": endpoint,
            "secret": secret,
            "tolerance_minutes": TOLERANCE_SECONDS // 60,
        },
    )
    add_never_cache_headers(response)
    return response


@require_safe
@establishment_view(Action.VIEW)
def endpoint_list(
    request: AuthenticatedHttpRequest, establishment: Establishment
) -> HttpResponseBase:
    filterset = DeliveryFilterSet(
        request.GET,
        queryset=selectors.delivery_queryset(user=request.user, establishment=establishment),
    )
    return render_list(
        request,
        "webhooks/endpoint_list.html",
        DeliveryTable(filterset.qs),
        establishment=establishment,
        filter=filterset,
        endpoints=selectors.endpoint_list(user=request.user, establishment=establishment),
        can_manage=access.can(request.user, Action.MANAGE, establishment),
        failed=DeliveryState.FAILED,
    )


@establishment_view(Action.MANAGE)
def endpoint_form(
    request: AuthenticatedHttpRequest, establishment: Establishment, public_id: Any = None
) -> HttpResponse:
    endpoint = (
        selectors.endpoint_get(
            user=request.user,
            public_id=public_id,
            establishment=establishment,
            action=Action.MANAGE,
        )
        if public_id
        else WebhookEndpoint(establishment=establishment, events=[])
    )
    creating = endpoint.pk is None
    form = EndpointForm(request.POST or None, instance=endpoint)
    if request.method == "POST" and form.is_valid():
        try:
            if creating:
                endpoint, secret = services.endpoint_create(
                    endpoint=form.save(commit=False),
                    actor=request.user,
                    ip_address=client_ip(request),
                )
                return _secret_page(request, endpoint, secret)
            services.endpoint_update(
                endpoint=form.save(commit=False), actor=request.user, ip_address=client_ip(request)
            )
        except (ApplicationError, ValidationError) as error:
            report_error(request, form, error)
        else:
            messages.success(request, _("The webhook has been saved."))
            return _list(establishment)
    return render(
        request,
        "webhooks/endpoint_form.html",
        {"establishment": establishment, "form": form, "endpoint": endpoint},
    )


def _managed(
    request: AuthenticatedHttpRequest, establishment: Establishment, public_id: Any
) -> Any:
    return selectors.endpoint_get(
        user=request.user, public_id=public_id, establishment=establishment, action=Action.MANAGE
    )


@require_POST
@establishment_view(Action.MANAGE)
def endpoint_delete(
    request: AuthenticatedHttpRequest, establishment: Establishment, public_id: Any
) -> HttpResponse:
    endpoint = _managed(request, establishment, public_id)
    try:
        services.endpoint_delete(
            endpoint=endpoint, actor=request.user, ip_address=client_ip(request)
        )
        messages.success(request, _("“%(name)s” has been deleted.") % {"name": endpoint})
    except ApplicationError as error:
        report_error(request, None, error)
    return _list(establishment)


@require_POST
@establishment_view(Action.MANAGE)
def endpoint_secret(
    request: AuthenticatedHttpRequest, establishment: Establishment, public_id: Any
) -> HttpResponse:
    endpoint = _managed(request, establishment, public_id)
    try:
        secret = services.endpoint_secret_regenerate(
            endpoint=endpoint, actor=request.user, ip_address=client_ip(request)
        )
    except ApplicationError as error:
        report_error(request, None, error)
        return _list(establishment)
    return _secret_page(request, endpoint, secret)


@require_POST
@establishment_view(Action.MANAGE)
def endpoint_ping(
    request: AuthenticatedHttpRequest, establishment: Establishment, public_id: Any
) -> HttpResponse:
    endpoint = _managed(request, establishment, public_id)
    try:
        services.endpoint_ping(endpoint=endpoint, actor=request.user)
        messages.success(request, _("A test event has been queued: see the deliveries below."))
    except ApplicationError as error:
        report_error(request, None, error)
    return _list(establishment)


@require_POST
@establishment_view(Action.MANAGE)
def delivery_retry(
    request: AuthenticatedHttpRequest, establishment: Establishment, public_id: Any
) -> HttpResponse:
    delivery = selectors.delivery_get(
        user=request.user, public_id=public_id, establishment=establishment, action=Action.MANAGE
    )
    try:
        services.delivery_retry(delivery=delivery, actor=request.user)
        messages.success(request, _("The delivery will be attempted again now."))
    except ApplicationError as error:
        report_error(request, None, error)
    return _list(establishment)
