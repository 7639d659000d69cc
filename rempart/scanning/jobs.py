"""The scan job: run the engine for a Scan row, keep the raw result, import it."""

from __future__ import annotations

import gzip
import json
from typing import Any

from django.core.files.base import ContentFile
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from rempart.engine.model import RateLimits, ScanJob
from rempart.engine.runner import Progress, run_scan
from rempart.jobs.runner import JobCancelledError, JobContext, job
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


# Not resumable: a scan sends traffic within a window, and its partial results are lost.
@job("scanning.scan", on_abandon=scan_job_abandoned)
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
    context.log(_("Known vulnerabilities: %(count)s") % {"count": correlate_seen(scan)})
    if result.status == "cancelled":
        raise JobCancelledError
    if result.status == "failed":
        raise RuntimeError(scan.error or _("The scan failed."))
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
@job("scanning.import", resumable=True, on_abandon=import_job_abandoned)
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
