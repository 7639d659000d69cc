"""HTML views of the audit log: filtered lists, CSV export (itself audited), verification job."""

from __future__ import annotations

import json
from typing import Any

from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from rempart.audit.filters import AuditEntryFilterSet
from rempart.audit.models import AuditEntry
from rempart.audit.selectors import audit_entry_list
from rempart.audit.services import audit_record
from rempart.audit.tables import AuditEntryTable
from rempart.core.actions import Action
from rempart.core.exports import CSV_TYPE, csv_lines
from rempart.core.http import client_ip
from rempart.core.tables import render_list
from rempart.core.views import establishment_view, operator_view
from rempart.jobs.runner import job_enqueue
from rempart.tenancy.models import Establishment

CSV_COLUMNS = [
    "seq",
    "created_at",
    "actor_label",
    "establishment",
    "verb",
    "object_type",
    "object_id",
    "object_repr",
    "changes",
    "ip_address",
    "hash",
]


def _filtered(request: HttpRequest, establishment: Establishment | None) -> Any:
    entries = audit_entry_list(user=request.user, filters={"establishment": establishment})
    return AuditEntryFilterSet(request.GET, queryset=entries)


def _render_list(request: HttpRequest, establishment: Establishment | None) -> HttpResponseBase:
    filterset = _filtered(request, establishment)
    export = (
        reverse("audit:establishment_export", args=[establishment.slug])
        if establishment
        else reverse("audit:operator_export")
    )
    return render_list(
        request,
        "audit/entry_list.html",
        AuditEntryTable(filterset.qs),
        export_to={"csv": export},
        filter=filterset,
        establishment=establishment,
    )


@require_safe
@establishment_view(Action.MANAGE)
def establishment_log(request: HttpRequest, establishment: Establishment) -> HttpResponseBase:
    return _render_list(request, establishment)


@require_safe
@operator_view(admin=True)
def operator_log(request: HttpRequest) -> HttpResponseBase:
    return _render_list(request, None)


def _export(request: HttpRequest, establishment: Establishment | None) -> StreamingHttpResponse:
    filterset = _filtered(request, establishment)
    audit_record(
        actor=request.user,
        verb="audit.log.exported",
        establishment=establishment,
        changes={"filters": request.GET.dict()},
        ip_address=client_ip(request),
    )
    rows = (_csv_row(entry) for entry in filterset.qs.iterator(chunk_size=2000))
    response = StreamingHttpResponse(csv_lines(CSV_COLUMNS, rows), content_type=CSV_TYPE)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="journal-audit-{stamp}.csv"'
    return response


def _csv_row(entry: AuditEntry) -> list[Any]:
    """One entry as stored (machine-readable: the verb's code, the changes as JSON)."""
    return [
        entry.seq,
        entry.created_at.isoformat(),
        entry.actor_label,
        entry.establishment.slug if entry.establishment else "",
        entry.verb,
        entry.object_type,
        entry.object_id,
        entry.object_repr,
        json.dumps(entry.changes, ensure_ascii=False, sort_keys=True),
        entry.ip_address or "",
        entry.hash,
    ]


@require_safe
@establishment_view(Action.MANAGE)
def establishment_export(
    request: HttpRequest, establishment: Establishment
) -> StreamingHttpResponse:
    return _export(request, establishment)


@require_safe
@operator_view(admin=True)
def operator_export(request: HttpRequest) -> StreamingHttpResponse:
    return _export(request, None)


@require_POST
@operator_view(admin=True)
def verify(request: HttpRequest) -> HttpResponse:
    """Start a verification of the whole chain as a job and show its live progress."""
    run = job_enqueue(kind="audit.verify", title=_("Audit log verification"), actor=request.user)
    return redirect("jobs:detail", public_id=run.public_id)
