"""Building the establishment's PDF report (French, A4) with WeasyPrint."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.files.base import ContentFile
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext

from rempart.scanning.charts import establishment_charts
from rempart.scanning.models import Report
from rempart.scanning.report_data import report_sections
from rempart.scanning.services.sla import SLA_DAYS
from rempart.scanning.stats import establishment_stats

Progress = Callable[[int, int, str], None]
REPORT_LANGUAGE = "fr"
TABLE = "chart-table"  # the charts' data tables are printed in the PDF


def report_context(*, establishment: Any, weeks: int) -> dict[str, Any]:
    """Everything the report template needs (call it with the report's language active)."""
    stats = establishment_stats(establishment=establishment, weeks=weeks)
    first, last = stats.trend[0], stats.trend[-1]
    return {
        "establishment": establishment,
        "stats": stats,
        "trend_delta": last.total - first.total,
        "trend_change": abs(last.total - first.total),
        "sla_days": SLA_DAYS,
        "charts": establishment_charts(stats, table_class=TABLE),
        **report_sections(establishment=establishment, since=stats.period_start),
    }


def report_html(*, establishment: Any, weeks: int, language: str = REPORT_LANGUAGE) -> str:
    with translation.override(language):
        context = report_context(establishment=establishment, weeks=weeks)
        return render_to_string("scanning/report_pdf.html", context)


def html_to_pdf(html: str) -> bytes:
    """Lay the HTML out as a PDF (WeasyPrint is imported here: it is slow to import)."""
    from weasyprint import HTML  # type: ignore[import-untyped]  # noqa: PLC0415  (heavy import)

    pdf: bytes = HTML(string=html).write_pdf()
    return pdf


def _nothing(done: int, total: int, message: str) -> None:
    """No progress reporting."""


def report_build(*, report: Report, progress: Progress = _nothing) -> Report:
    """Render the report's PDF and store it with the report (called by the report job)."""
    establishment = report.establishment
    progress(1, 3, gettext("Collecting the figures"))
    html = report_html(establishment=establishment, weeks=report.weeks, language=report.language)
    progress(2, 3, gettext("Laying out the PDF"))
    pdf = html_to_pdf(html)
    report.generated_at = timezone.now()
    report.size = len(pdf)
    report.file.save(report.filename, ContentFile(pdf), save=False)
    report.save(update_fields=["file", "size", "generated_at", "updated_at"])
    progress(3, 3, gettext("Report ready"))
    return report
