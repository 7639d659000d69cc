"""Assets: inventory list and detail, corrections of class, criticality and tags."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from rempart.core.actions import Action
from rempart.core.errors import ApplicationError
from rempart.core.http import AuthenticatedHttpRequest, client_ip
from rempart.core.tables import render_list
from rempart.core.views import establishment_view, report_error
from rempart.scanning import selectors
from rempart.scanning.choices import ACTIVE_STATUSES
from rempart.scanning.filters import AssetFilterSet
from rempart.scanning.forms import AssetForm
from rempart.scanning.services.assets import asset_update
from rempart.scanning.tables import AssetTable
from rempart.tenancy import access
from rempart.tenancy.models import Establishment


@require_safe
@establishment_view(Action.VIEW)
def asset_list(request: AuthenticatedHttpRequest, establishment: Establishment) -> HttpResponseBase:
    filterset = AssetFilterSet(
        request.GET,
        queryset=selectors.asset_list(user=request.user, establishment=establishment),
    )
    table = AssetTable(
        filterset.qs.order_by("-open_findings", "address", "pk"), establishment=establishment
    )
    return render_list(
        request,
        "scanning/asset_list.html",
        table,
        export_to={
            fmt: reverse(f"scanning:assets_export_{fmt}", args=[establishment.slug])
            for fmt in ("csv", "xlsx")
        },
        establishment=establishment,
        filter=filterset,
    )


@require_safe
@establishment_view(Action.VIEW)
def asset_detail(
    request: AuthenticatedHttpRequest, establishment: Establishment, public_id: Any
) -> HttpResponse:
    asset = selectors.asset_get(user=request.user, public_id=public_id, establishment=establishment)
    return render(
        request,
        "scanning/asset_detail.html",
        {
            "establishment": establishment,
            "asset": asset,
            "services": asset.services.order_by("-is_open", "protocol", "port"),
            "findings": asset.findings.filter(status__in=ACTIVE_STATUSES).order_by("-severity"),
            "closed_findings": asset.findings.exclude(status__in=ACTIVE_STATUSES)[:50],
            "form": AssetForm(instance=asset),
            "can_change": access.can(request.user, Action.CHANGE, establishment),
        },
    )


@require_POST
@establishment_view(Action.CHANGE)
def asset_edit(
    request: AuthenticatedHttpRequest, establishment: Establishment, public_id: Any
) -> HttpResponse:
    asset = selectors.asset_get(
        user=request.user, public_id=public_id, action=Action.CHANGE, establishment=establishment
    )
    form = AssetForm(request.POST, instance=asset)
    if form.is_valid():
        try:
            asset_update(
                asset=asset,
                actor=request.user,
                name=form.cleaned_data["name"],
                asset_class=form.cleaned_data["asset_class"],
                criticality=form.cleaned_data["criticality"],
                tags=form.tags(),
                ip_address=client_ip(request),
            )
            messages.success(request, _("The asset has been updated."))
        except (ApplicationError, ValidationError) as error:
            report_error(request, None, error)
    else:
        messages.error(request, _("Check the class and the criticality."))
    return redirect(
        "scanning:asset_detail", establishment=establishment.slug, public_id=asset.public_id
    )
