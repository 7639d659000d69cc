"""The scan job: run the engine for a Scan row, keep the raw result, import it."""

from __future__ import annotations

import gzip
import json
from typing import Any

from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, ngettext_lazy

from rempart.engine.model import RateLimits, ScanJob
from rempart.engine.runner import Progress, run_scan
from rempart.jobs.runner import JobCancelledError, JobContext, JobFailedError, job
from rempart.scanning import jobs_reports  # noqa: F401  (registers scanning.report)
from rempart.scanning.choices import ScanStatus
from rempart.scanning.models import Scan
from rempart.scanning.problems import render
from rempart.scanning.services.imports import (
    correlate_seen,
    report_import_fail,
    report_import_run,
)
from rempart.scanning.services.results import ImportSummary, scan_result_import
from rempart.scanning.services.scans import scan_fail, scan_mark_running


def engine_job(scan: Scan) -> ScanJob:
    return ScanJob(
        targets=tuple(line for line in scan.targets.splitlines() if line.strip()),
        exclusions=tuple(line for line in scan.exclusions.splitlines() if line.strip()),
        policy=scan.policy,
        tcp_ports=scan.tcp_ports or None,
        udp_ports=scan.udp_ports if scan.udp_ports else None,
        rate=RateLimits(),
        job_id=str(scan.public_id),
    )


def scan_summary_text(summary: ImportSummary) -> str:
    """What a scan found, for the job's log."""
    hosts = ngettext("%(count)s host", "%(count)s hosts", summary.hosts) % {"count": summary.hosts}
    text = _(
        "%(hosts)s; services: %(services)s; new findings: %(new)s; fixed: %(fixed)s; "
        "reopened: %(reopened)s"
    )
    return text % {
        "hosts": hosts,
        "services": summary.services,
        "new": summary.new,
        "fixed": summary.fixed,
        "reopened": summary.reopened,
    }


def scan_job_abandoned(params: dict[str, Any], status: str, reason: str) -> None:
    """A scan whose job stopped early (failed, cancelled, interrupted, or its process died)
    is not left queued or running: it ends cancelled or failed, with the reason."""
    final = ScanStatus.CANCELLED if status == ScanStatus.CANCELLED else ScanStatus.FAILED
    now = timezone.now()
    Scan.objects.filter(
        pk=params["scan_id"], status__in=(ScanStatus.QUEUED, ScanStatus.RUNNING)
    ).update(status=final, error=reason[:2000], finished_at=now, updated_at=now)


# Counts in a job's result and log, with their plural ("1 hôte", "2 hôtes").
COUNTS = {
    "hosts": ngettext_lazy("%(count)d host", "%(count)d hosts", "count"),
    "services": ngettext_lazy("%(count)d service", "%(count)d services", "count"),
    "new": ngettext_lazy("%(count)d new", "%(count)d new", "count"),
    "fixed": ngettext_lazy("%(count)d fixed", "%(count)d fixed", "count"),
    "reopened": ngettext_lazy("%(count)d reopened", "%(count)d reopened", "count"),
    "fixed_findings": ngettext_lazy(
        "%(count)d vulnerability fixed", "%(count)d vulnerabilities fixed", "count"
    ),
    "ignored": ngettext_lazy("%(count)d host ignored", "%(count)d hosts ignored", "count"),
}


def _count(name: str, value: Any) -> str:
    return str(COUNTS[name] % {"count": int(value or 0)})


def _scan_link(run: Any, text: str) -> str:
    """`text`, then a link to the run's scan page (when the run names its establishment)."""
    scan_id = run.result.get("scan")
    if run.establishment is None or not scan_id:
        return text
    url = reverse("scanning:scan_detail", args=[run.establishment.slug, scan_id])
    return format_html('{} <a href="{}">{}</a>', text, url, _("See the scan"))


def scan_result_text(run: Any) -> str:
    """A scan's result in words, with a link to the scan (`describe` of `scanning.scan`)."""
    result = run.result
    text = _("%(hosts)s; vulnerabilities: %(new)s, %(fixed)s, %(reopened)s.") % {
        "hosts": _count("hosts", result.get("hosts")),
        "new": _count("new", result.get("new")),
        "fixed": _count("fixed", result.get("fixed")),
        "reopened": _count("reopened", result.get("reopened")),
    }
    return _scan_link(run, text)


def import_result_text(run: Any) -> str:
    """An import's result in words, with a link to the scan (`describe` of `scanning.import`)."""
    result = run.result
    text = _("Report imported: %(hosts)s, %(services)s, %(fixed)s, %(ignored)s.") % {
        "hosts": _count("hosts", result.get("hosts")),
        "services": _count("services", result.get("services")),
        "fixed": _count("fixed_findings", result.get("fixed")),
        "ignored": _count("ignored", result.get("ignored")),
    }
    return _scan_link(run, text)


# Not resumable: a scan sends traffic within a window, and its partial results are lost.
@job("scanning.scan", on_abandon=scan_job_abandoned, describe=scan_result_text)
def run_scan_job(context: JobContext, *, scan_id: int) -> dict[str, Any]:
    """Scan, then import: the job's progress follows the hosts being scanned."""
    scan = Scan.objects.select_related("establishment").get(pk=scan_id)
    scan_mark_running(scan)

    def show(event: Progress) -> None:
        # Rendered in the platform's language: the job page shows the stored step.
        step = render(event.step.code, event.step.params) if event.step else ""
        context.progress(event.done, event.total, message=step)
        if event.phase == "hosts" and step and event.done:
            context.log(step)

    result = run_scan(engine_job(scan), progress=show, should_stop=context.should_stop)
    payload = json.dumps(result.to_dict()).encode()
    scan.result_file.save(
        f"{scan.public_id}.json.gz", ContentFile(gzip.compress(payload)), save=False
    )
    try:
        summary = scan_result_import(scan=scan, result=result)
    except Exception as exc:
        scan_fail(scan, str(getattr(exc, "message", exc)))
        raise
    context.log(scan_summary_text(summary))
    context.log(_("Known vulnerabilities: %(count)s.") % {"count": correlate_seen(scan)})
    if result.status == "cancelled":
        raise JobCancelledError
    if result.status == "failed":
        raise JobFailedError(scan.error or _("The scan failed."))
    return {
        "scan": str(scan.public_id),
        "hosts": summary.hosts,
        "new": summary.new,
        "fixed": summary.fixed,
        "reopened": summary.reopened,
    }


def import_job_abandoned(params: dict[str, Any], status: str, reason: str) -> None:
    """An import whose worker died for good ends failed (or cancelled) with the reason; its
    scan page offers to resume it."""
    scan = Scan.objects.filter(pk=params["scan_id"]).first()
    if scan is not None:
        report_import_fail(scan, cancelled=status == ScanStatus.CANCELLED, reason=reason)


# Resumable: batches already written are rewritten identically.
@job(
    "scanning.import", resumable=True, on_abandon=import_job_abandoned, describe=import_result_text
)
def import_report_job(context: JobContext, *, scan_id: int) -> dict[str, Any]:
    """Write a checked report into the inventory (`services.imports`); run again for the
    same scan, it resumes: the batches already written are rewritten identically."""
    scan = Scan.objects.select_related("establishment").get(pk=scan_id)

    def show(done: int, total: int) -> None:
        context.progress(
            done,
            total,
            message=ngettext(
                "%(done)s of %(total)s host written", "%(done)s of %(total)s hosts written", done
            )
            % {"done": done, "total": total},
        )

    try:
        summary = report_import_run(
            scan=scan,
            actor=context.run.actor,
            progress=show,
            check_cancelled=context.check_cancelled,
        )
    except JobCancelledError:
        report_import_fail(scan, cancelled=True, reason=_("Cancelled by a user."))
        raise
    except Exception as exc:
        report_import_fail(scan, cancelled=False, reason=str(getattr(exc, "message", exc)))
        raise
    return {
        "scan": str(scan.public_id),
        "hosts": summary.hosts,
        "services": summary.services,
        "ignored": summary.dropped_count,
        "fixed": summary.fixed,
        "seconds": {phase: round(value, 2) for phase, value in summary.seconds.items()},
    }
