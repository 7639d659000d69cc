"""Threat-watch pages: CVE search, CVE page, vendors and products, catalog status."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from rempart.core.http import AuthenticatedHttpRequest
from rempart.core.tables import render_list
from rempart.core.views import operator_view
from rempart.jobs.runner import REGISTRY, job_enqueue
from rempart.threatwatch import selectors
from rempart.threatwatch.cpe import Cpe
from rempart.threatwatch.forms import SearchForm, VersionForm
from rempart.threatwatch.matching import lookup
from rempart.threatwatch.tables import CveTable


@require_safe
@login_required
def cve_search(request: AuthenticatedHttpRequest) -> HttpResponseBase:
    form = SearchForm(request.GET)
    filters: dict[str, Any] = form.cleaned_data if form.is_valid() else {}
    results = selectors.cve_search(**{k: v for k, v in filters.items() if v not in (None, "")})
    return render_list(
        request, "threatwatch/cve_search.html", CveTable(results), filter={"form": form}
    )


@require_safe
@login_required
def cve_detail(request: AuthenticatedHttpRequest, cve_id: str) -> HttpResponse:
    cve = selectors.cve_get(cve_id=cve_id)
    return render(
        request, "threatwatch/cve_detail.html", selectors.cve_details(cve=cve, user=request.user)
    )


@require_safe
@login_required
def vendor_detail(request: AuthenticatedHttpRequest, vendor: str) -> HttpResponse:
    return render(
        request,
        "threatwatch/vendor_detail.html",
        {"vendor": vendor, "products": selectors.vendor_products(vendor=vendor)},
    )


@require_safe
@login_required
def product_detail(
    request: AuthenticatedHttpRequest, vendor: str, product: str
) -> HttpResponseBase:
    form = VersionForm(request.GET or None)
    matches = None
    if form.is_valid():
        matches = lookup(Cpe("a", vendor.lower(), product.lower(), form.cleaned_data["version"]))
    return render_list(
        request,
        "threatwatch/product_detail.html",
        CveTable(selectors.product_cves(vendor=vendor, product=product)),
        vendor=vendor,
        product=product,
        form=form,
        matches=matches,
    )


@require_safe
@operator_view()
def status(request: AuthenticatedHttpRequest) -> HttpResponse:
    return render(
        request,
        "threatwatch/status.html",
        {**selectors.catalog_status(), "can_sync": "threatwatch.sync" in REGISTRY},
    )


@require_POST
@operator_view(admin=True)
def sync(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Synchronise the catalog from its sources now (a job with live progress)."""
    if "threatwatch.sync" not in REGISTRY:
        messages.error(request, _("Synchronisation is not available."))
        return redirect("threatwatch:status")
    run = job_enqueue(
        kind="threatwatch.sync",
        title=_("Vulnerability catalog synchronisation"),
        actor=request.user,
    )
    return redirect("jobs:detail", public_id=run.public_id)
