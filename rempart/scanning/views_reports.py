"""Vulnerability dashboard, reports and exports of an establishment (thin views).

Reads go through `stats`, `selectors_reports` (which use `visible_to`); writes and audit
entries through `services.reports`.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import FileResponse, Http404, HttpResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from rempart.core.actions import Action
from rempart.core.errors import ApplicationError
from rempart.core.http import AuthenticatedHttpRequest, client_ip
from rempart.core.pagination import paginate
from rempart.core.views import establishment_view
from rempart.scanning import selectors_reports as selectors
from rempart.scanning.charts import establishment_charts
from rempart.scanning.exports import (
    ASSET_COLUMNS,
    CSV_TYPE,
    FINDING_COLUMNS,
    XLSX_TYPE,
    Column,
    csv_lines,
    export_rows,
    xlsx_bytes,
)
from rempart.scanning.services import reports as services
from rempart.scanning.stats import establishment_stats
from rempart.tenancy import access
from rempart.tenancy.models import Establishment

DEFAULT_WEEKS = 12
WEB_BAR_WIDTH = 560  # drawing width of horizontal charts in half-width columns


def _weeks(value: str | None) -> int:
    try:
        weeks = int(value or DEFAULT_WEEKS)
    except ValueError:
        return DEFAULT_WEEKS
    return weeks if weeks in services.REPORT_WEEKS else DEFAULT_WEEKS


@require_safe
@establishment_view(Action.VIEW)
def dashboard(request: AuthenticatedHttpRequest, establishment: Establishment) -> HttpResponse:
    stats = establishment_stats(establishment=establishment, weeks=_weeks(request.GET.get("weeks")))
    return render(
        request,
        "scanning/dashboard.html",
        {
            "establishment": establishment,
            "stats": stats,
            "charts": establishment_charts(stats, bar_width=WEB_BAR_WIDTH),
            "week_choices": services.REPORT_WEEKS,
        },
    )


@require_safe
@establishment_view(Action.VIEW)
def report_list(request: AuthenticatedHttpRequest, establishment: Establishment) -> HttpResponse:
    page = paginate(request, selectors.report_list(user=request.user, establishment=establishment))
    htmx = getattr(request, "htmx", False)
    return render(
        request,
        "scanning/reports_table.html" if htmx else "scanning/reports.html",
        {
            "establishment": establishment,
            "page": page,
            "pending": any(report.state == "pending" for report in page),
            "can_change": access.can(request.user, Action.CHANGE, establishment),
            "week_choices": services.REPORT_WEEKS,
            "default_weeks": DEFAULT_WEEKS,
        },
    )


@require_POST
@establishment_view(Action.CHANGE)
def report_generate(request: AuthenticatedHttpRequest, establishment: Establishment) -> Any:
    try:
        report = services.report_request(
            establishment=establishment,
            actor=request.user,
            weeks=_weeks(request.POST.get("weeks")),
            ip_address=client_ip(request),
        )
    except ApplicationError as error:
        messages.error(request, str(error.message))
        return redirect("scanning:report_list", establishment=establishment.slug)
    messages.success(request, _("The report is being generated; it will be listed when ready."))
    if report.job is None:
        return redirect("scanning:report_list", establishment=establishment.slug)
    return redirect("jobs:detail", public_id=report.job.public_id)


@require_safe
@establishment_view(Action.VIEW)
def report_download(
    request: AuthenticatedHttpRequest, establishment: Establishment, public_id: Any
) -> FileResponse:
    report = selectors.report_get(
        user=request.user, establishment=establishment, public_id=public_id
    )
    if not report.file:
        raise Http404
    try:
        handle = report.file.open("rb")
    except OSError as exc:
        raise Http404 from exc
    services.report_download_record(
        report=report, actor=request.user, ip_address=client_ip(request)
    )
    return FileResponse(
        handle, as_attachment=True, filename=report.filename, content_type="application/pdf"
    )


def _export(
    fmt: str, name: str, columns: tuple[Column, ...], rows: Any, sheet: str
) -> HttpResponseBase:
    filename = f"{name}-{timezone.localdate():%Y-%m-%d}.{fmt}"
    objects = export_rows(rows, columns)
    response: HttpResponseBase
    if fmt == "csv":
        response = StreamingHttpResponse(csv_lines(columns, objects), content_type=CSV_TYPE)
    else:
        response = HttpResponse(xlsx_bytes(sheet, columns, objects), content_type=XLSX_TYPE)
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response


def _record(
    request: AuthenticatedHttpRequest, establishment: Establishment, what: str, fmt: str, rows: Any
) -> None:
    services.export_record(
        establishment=establishment,
        actor=request.user,
        what=what,
        fmt=fmt,
        filters=selectors.applied_filters(request.GET),
        rows=rows.count(),
        ip_address=client_ip(request),
    )


@require_safe
@establishment_view(Action.VIEW)
def findings_export(
    request: AuthenticatedHttpRequest, establishment: Establishment, fmt: str
) -> HttpResponseBase:
    """The findings list (same filters; open findings when unfiltered) as CSV or XLSX."""
    rows = selectors.findings_for_export(
        user=request.user, establishment=establishment, params=request.GET
    )
    _record(request, establishment, "findings", fmt, rows)
    return _export(
        fmt, f"vulnerabilites-{establishment.slug}", FINDING_COLUMNS, rows, _("Vulnerabilities")
    )


@require_safe
@establishment_view(Action.VIEW)
def assets_export(
    request: AuthenticatedHttpRequest, establishment: Establishment, fmt: str
) -> HttpResponseBase:
    """The assets list (same filters) as CSV or XLSX."""
    rows = selectors.assets_for_export(
        user=request.user, establishment=establishment, params=request.GET
    )
    _record(request, establishment, "assets", fmt, rows)
    return _export(fmt, f"actifs-{establishment.slug}", ASSET_COLUMNS, rows, _("Assets"))
