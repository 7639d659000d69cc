"""The report job: build an establishment's PDF report (progress shown at /jobs/<id>/).

Registered under `scanning.report`; `rempart/scanning/jobs.py` imports this module so that
workers know the job (job modules are discovered by name).
"""

from __future__ import annotations

from typing import Any

from rempart.jobs.runner import JobContext, job
from rempart.scanning.models import Report
from rempart.scanning.services.report_pdf import report_build

REPORT_JOB = "scanning.report"


@job(REPORT_JOB, resumable=True)  # rebuilds the whole PDF: safe to run again
def build_report_job(context: JobContext, *, report_id: int) -> dict[str, Any]:
    """Fetch the report by id and build its PDF."""
    report = Report.objects.select_related("establishment").get(pk=report_id)
    context.log(f"report of {report.establishment.name}, {report.weeks} weeks")

    def show(done: int, total: int, message: str) -> None:
        context.check_cancelled()
        context.progress(done, total, message=message)

    report_build(report=report, progress=show)
    context.log(f"PDF written: {report.size} bytes")
    return {"report": str(report.public_id), "size": report.size}
