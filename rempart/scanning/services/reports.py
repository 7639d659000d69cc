"""Writes of the reports feature: request a PDF report (built by a job), and the audit entries
of report downloads and of findings/assets exports."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from rempart.audit.services import audit_record
from rempart.core.actions import Action
from rempart.core.errors import ApplicationError, PermissionDeniedError
from rempart.jobs.runner import job_enqueue
from rempart.scanning.jobs_reports import REPORT_JOB  # also registers the job
from rempart.scanning.models import Report
from rempart.scanning.services.report_pdf import REPORT_LANGUAGE
from rempart.scanning.stats import MAX_WEEKS
from rempart.tenancy import access

REPORT_WEEKS = (4, 12, 26, 52)


def _title(establishment: Any) -> str:
    with translation.override(REPORT_LANGUAGE):
        return _("Vulnerability report — %(name)s") % {"name": establishment.name}


@transaction.atomic
def report_request(
    *, establishment: Any, actor: Any, weeks: int = 12, ip_address: str | None = None
) -> Report:
    """Create the report row and queue the job that writes its PDF (CHANGE is required)."""
    if not access.can(actor, Action.CHANGE, establishment):
        raise PermissionDeniedError(_("You cannot generate reports for this establishment."))
    if not 1 <= weeks <= MAX_WEEKS:
        raise ApplicationError(_("The period must be between 1 and 52 weeks."))
    report = Report.objects.create(
        establishment=establishment,
        title=_title(establishment),
        weeks=weeks,
        language=REPORT_LANGUAGE,
        created_by=actor,
    )
    report.job = job_enqueue(
        kind=REPORT_JOB,
        title=report.title,
        actor=actor,
        establishment=establishment,
        params={"report_id": report.pk},
    )
    report.save(update_fields=["job", "updated_at"])
    audit_record(
        actor=actor,
        verb="scanning.report.requested",
        target=report,
        ip_address=ip_address,
        changes={"weeks": weeks},
    )
    return report


def report_download_record(*, report: Report, actor: Any, ip_address: str | None = None) -> None:
    """Audit a download of a report's file."""
    audit_record(
        actor=actor,
        verb="scanning.report.downloaded",
        target=report,
        ip_address=ip_address,
        changes={"file": report.file.name, "size": report.size},
    )


def export_record(
    *,
    establishment: Any,
    actor: Any,
    what: str,
    fmt: str,
    filters: dict[str, Any],
    rows: int,
    ip_address: str | None = None,
) -> None:
    """Audit an export of findings, assets, scans or scopes (`what`): format, filters and
    row count."""
    audit_record(
        actor=actor,
        verb=f"scanning.{what}.exported",
        target=establishment,
        establishment=establishment,
        ip_address=ip_address,
        changes={"format": fmt, "filters": filters, "rows": rows},
    )
