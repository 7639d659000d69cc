"""The report job: build an establishment's PDF report (progress shown at /jobs/<id>/).

Registered under `scanning.report`; `rempart/scanning/jobs.py` imports this module so that
workers know the job (job modules are discovered by name).
"""

from __future__ import annotations

from typing import Any

from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from rempart.core.grammar import of_establishment
from rempart.jobs.runner import JobContext, job
from rempart.scanning.models import Report
from rempart.scanning.services.report_pdf import report_build

REPORT_JOB = "scanning.report"


def report_result_link(run: Any) -> str:
    """The report's download link and size (`describe` of `scanning.report`)."""
    report = (
        Report.objects.select_related("establishment")
        .filter(public_id=run.result.get("report"))
        .first()
    )
    if report is None:
        return _("Report built; it has been deleted since.")
    url = reverse("scanning:report_download", args=[report.establishment.slug, report.public_id])
    return format_html(
        '<a href="{}">{}</a> ({})',
        url,
        _("Download the report (PDF)"),
        filesizeformat(run.result.get("size") or 0),
    )


@job(REPORT_JOB, resumable=True, describe=report_result_link)  # rebuilds the PDF: run again
def build_report_job(context: JobContext, *, report_id: int) -> dict[str, Any]:
    """Fetch the report by id and build its PDF."""
    report = Report.objects.select_related("establishment").get(pk=report_id)
    context.log(
        ngettext(
            "Report %(of_name)s over %(weeks)d week.",
            "Report %(of_name)s over %(weeks)d weeks.",
            report.weeks,
        )
        % {"of_name": of_establishment(report.establishment.name), "weeks": report.weeks}
    )

    def show(done: int, total: int, message: str) -> None:
        context.check_cancelled()
        context.progress(done, total, message=message)

    report_build(report=report, progress=show)
    context.log(_("PDF written: %(size)s.") % {"size": filesizeformat(report.size)})
    return {"report": str(report.public_id), "size": report.size}
