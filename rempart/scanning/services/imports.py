"""Importing another tool's report: parsed and checked first, stored all at once or not."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from rempart.core.actions import Action
from rempart.core.errors import ApplicationError, PermissionDeniedError
from rempart.engine.nmap import NmapParseError
from rempart.scanning.choices import Policy, ScanSource, ScanStatus
from rempart.scanning.importers.nmap import nmap_to_result
from rempart.scanning.models import Scan, Scope
from rempart.scanning.services.results import ImportSummary, scan_result_import
from rempart.scanning.services.scans import exclusions_of
from rempart.tenancy import access
from rempart.threatwatch.services.correlation import correlate_scan

MAX_REPORT_BYTES = 50 * 1024 * 1024


@transaction.atomic
def report_import(
    *, establishment: Any, data: bytes, filename: str, actor: Any, fmt: str = "nmap"
) -> tuple[Scan, ImportSummary]:
    """Import a report into an establishment's inventory. Hosts outside its declared scopes
    (or excluded) are ignored and listed; a malformed report is refused, nothing stored."""
    if actor is not None and not access.can(actor, Action.CHANGE, establishment):
        raise PermissionDeniedError(_("You cannot import reports for this establishment."))
    if len(data) > MAX_REPORT_BYTES:
        raise ApplicationError(_("The report is larger than 50 MB."), code="too_large")
    if fmt != "nmap":
        raise ApplicationError(_("Unsupported report format: %(fmt)s") % {"fmt": fmt})
    try:
        result = nmap_to_result(data, source=filename)
    except NmapParseError as exc:
        raise ApplicationError(
            _("This nmap report cannot be read: %(error)s") % {"error": exc},
            code="malformed",
        ) from exc
    targets = [
        t
        for scope in Scope.objects.filter(establishment=establishment, is_active=True)
        for t in scope.target_lines()
    ]
    if not targets:
        raise ApplicationError(_("Declare the establishment's scopes before importing reports."))
    scan = Scan.objects.create(
        establishment=establishment,
        policy=Policy.DISCOVERY,
        source=ScanSource.NMAP,
        status=ScanStatus.RUNNING,
        targets="\n".join(targets),
        exclusions="\n".join(exclusions_of(establishment)),
        started_at=timezone.now(),
        requested_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    summary = scan_result_import(scan=scan, result=result, actor=actor)
    correlate_scan(scan)
    return scan, summary
