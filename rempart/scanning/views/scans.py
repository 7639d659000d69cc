"""Scans: list, launch, live detail, cancellation, diff between two scans."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from rempart.core.actions import Action
from rempart.core.errors import ApplicationError
from rempart.core.http import AuthenticatedHttpRequest, client_ip
from rempart.core.tables import render_list
from rempart.core.views import establishment_view, report_error
from rempart.jobs.runner import job_cancel
from rempart.scanning import diff, selectors
from rempart.scanning.filters import ScanFilterSet
from rempart.scanning.forms import LaunchForm
from rempart.scanning.services.imports import (
    report_import_request,
    report_import_resumable,
    report_import_resume,
)
from rempart.scanning.services.reports import export_record
from rempart.scanning.services.scans import scan_request
from rempart.scanning.tables import ScanTable
from rempart.tenancy import access
from rempart.tenancy.models import Establishment


@require_safe
@establishment_view(Action.VIEW)
def scan_list(request: AuthenticatedHttpRequest, establishment: Establishment) -> HttpResponseBase:
    scopes = selectors.scope_list(user=request.user, establishment=establishment).filter(
        is_active=True
    )
    filterset = ScanFilterSet(
        request.GET, queryset=selectors.scan_list(user=request.user, establishment=establishment)
    )
    return render_list(
        request,
        "scanning/scan_list.html",
        ScanTable(filterset.qs.order_by("-created_at", "-pk"), establishment=establishment),
        on_export=lambda fmt, rows: _export_record(request, establishment, fmt, rows),
        establishment=establishment,
        filter=filterset,
        form=LaunchForm(scopes=scopes),
        can_launch=access.can(request.user, Action.CHANGE, establishment),
    )


def _export_record(
    request: AuthenticatedHttpRequest, establishment: Establishment, fmt: str, rows: int
) -> None:
    export_record(
        establishment=establishment,
        actor=request.user,
        what="scans",
        fmt=fmt,
        filters={k: v for k, v in request.GET.items() if k in ScanFilterSet.Meta.fields and v},
        rows=rows,
        ip_address=client_ip(request),
    )


@require_POST
@establishment_view(Action.CHANGE)
def scan_launch(request: AuthenticatedHttpRequest, establishment: Establishment) -> HttpResponse:
    scopes = selectors.scope_list(user=request.user, establishment=establishment)
    form = LaunchForm(request.POST, scopes=scopes)
    if not form.is_valid():
        messages.error(request, _("Choose a scope and a policy."))
        return redirect("scanning:scan_list", establishment=establishment.slug)
    try:
        scan = scan_request(
            scope=form.cleaned_data["scope"],
            actor=request.user,
            policy=form.cleaned_data["policy"],
            targets=form.target_list(),
            ignore_window=form.cleaned_data["ignore_window"],
            ip_address=client_ip(request),
        )
    except (ApplicationError, ValidationError) as error:
        report_error(request, None, error)
        return redirect("scanning:scan_list", establishment=establishment.slug)
    messages.success(request, _("The scan is queued."))
    return redirect(
        "scanning:scan_detail", establishment=establishment.slug, public_id=scan.public_id
    )


@require_safe
@establishment_view(Action.VIEW)
def scan_detail(
    request: AuthenticatedHttpRequest, establishment: Establishment, public_id: Any
) -> HttpResponse:
    """The scan, live while it runs (HTMX swaps the whole body, so the cancel button and the
    progress go away when it ends), then its findings and the hosts it saw."""
    scan = selectors.scan_get(user=request.user, public_id=public_id, establishment=establishment)
    template = (
        "scanning/partials/_scan_body.html"
        if getattr(request, "htmx", False)
        else "scanning/scan_detail.html"
    )
    return render(request, template, _detail_context(request, establishment, scan))


def _detail_context(
    request: AuthenticatedHttpRequest, establishment: Establishment, scan: Any
) -> dict[str, Any]:
    context = {
        "establishment": establishment,
        "scan": scan,
        "can_change": access.can(request.user, Action.CHANGE, establishment),
        "can_resume": report_import_resumable(scan),
    }
    if scan.is_finished:
        previous = diff.previous_scan(scan)
        hosts, total = selectors.scan_hosts(scan=scan)
        context |= {
            "previous": previous,
            "diff": diff.scan_diff(previous, scan) if previous else None,
            "observations": selectors.scan_observed_findings(scan=scan),
            "hosts": hosts,
            "hosts_total": total,
        }
    return context


@require_POST
@establishment_view(Action.CHANGE)
def scan_cancel(
    request: AuthenticatedHttpRequest, establishment: Establishment, public_id: Any
) -> HttpResponse:
    scan = selectors.scan_get(
        user=request.user, public_id=public_id, action=Action.CHANGE, establishment=establishment
    )
    if scan.job is not None and not scan.is_finished:
        job_cancel(run=scan.job, actor=request.user)
        messages.success(request, _("Cancellation requested."))
    return redirect(
        "scanning:scan_detail", establishment=establishment.slug, public_id=scan.public_id
    )


@require_safe
@establishment_view(Action.VIEW)
def scan_diff_view(
    request: AuthenticatedHttpRequest, establishment: Establishment, public_id: Any, other_id: Any
) -> HttpResponse:
    scan = selectors.scan_get(user=request.user, public_id=public_id, establishment=establishment)
    other = selectors.scan_get(user=request.user, public_id=other_id, establishment=establishment)
    older, newer = sorted([scan, other], key=lambda s: s.created_at)
    return render(
        request,
        "scanning/scan_diff.html",
        {
            "establishment": establishment,
            "older": older,
            "newer": newer,
            "diff": diff.scan_diff(older, newer),
        },
    )


@require_POST
@establishment_view(Action.CHANGE)
def scan_import(request: AuthenticatedHttpRequest, establishment: Establishment) -> HttpResponse:
    """Check an nmap XML report and queue its import (clear error when it is malformed)."""
    upload = request.FILES.get("report")
    if upload is None:
        messages.error(request, _("Choose a report file."))
        return redirect("scanning:scan_list", establishment=establishment.slug)
    try:
        scan = report_import_request(
            establishment=establishment,
            upload=upload,
            filename=upload.name or "report.xml",
            actor=request.user,
        )
    except (ApplicationError, ValidationError) as error:
        report_error(request, None, error)
        return redirect("scanning:scan_list", establishment=establishment.slug)
    messages.success(request, _("The report is read; its import is running."))
    return redirect(
        "scanning:scan_detail", establishment=establishment.slug, public_id=scan.public_id
    )


@require_POST
@establishment_view(Action.CHANGE)
def scan_resume(
    request: AuthenticatedHttpRequest, establishment: Establishment, public_id: Any
) -> HttpResponse:
    """Run a failed or cancelled import again (it rewrites the same rows, then completes)."""
    scan = selectors.scan_get(
        user=request.user, public_id=public_id, action=Action.CHANGE, establishment=establishment
    )
    try:
        report_import_resume(scan=scan, actor=request.user, ip_address=client_ip(request))
        messages.success(request, _("The import is resumed."))
    except ApplicationError as error:
        report_error(request, None, error)
    return redirect(
        "scanning:scan_detail", establishment=establishment.slug, public_id=scan.public_id
    )
