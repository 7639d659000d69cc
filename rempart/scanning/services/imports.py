"""Importing another tool's report: checked whole first, then written as a job, in batches.

1. `report_import_request` reads the whole report (any size up to 50 MB, in constant memory)
   and refuses a malformed, truncated or hostile one with the reason: nothing is stored.
   A readable report becomes a queued scan (source nmap) whose raw result is the report's
   hosts inside the establishment's scopes, and a `scanning.import` job.
2. `report_import_run` (the job) writes the inventory in batches of hosts, each its own
   short transaction (other writers wait a fraction of a second at most, even on SQLite),
   then the findings' lifecycle, the scan's outcome and its audit entry in one transaction,
   then correlates the services seen with the vulnerability catalog, in chunks.

A failure or a cancellation leaves the scan failed (or cancelled) with the reason, and every
finding as it was; the hosts already written are hosts the report did see. The import can
be resumed: running the job again for the same scan rewrites the same rows and completes it.
"""

from __future__ import annotations

import io
import tempfile
import time
from collections.abc import Callable
from typing import IO, Any

from django.core.files import File
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from rempart.audit.services import audit_record
from rempart.core.actions import Action
from rempart.core.errors import ApplicationError, PermissionDeniedError
from rempart.engine.model import Coverage, ScanResult, now_iso
from rempart.engine.nmap import NmapParseError
from rempart.engine.targets import Perimeter, TargetError
from rempart.scanning.choices import Policy, ScanSource, ScanStatus
from rempart.scanning.importers.nmap import SpoolHeader, read_spool, spool_report
from rempart.scanning.models import Scan, Scope
from rempart.scanning.problems import describe
from rempart.scanning.services.inventory import batches
from rempart.scanning.services.results import (
    ImportSummary,
    inventory_writer,
    scan_result_finish,
)
from rempart.scanning.services.scans import exclusions_of
from rempart.tenancy import access
from rempart.threatwatch.services.correlation import correlate_services, open_services

MAX_REPORT_BYTES = 50 * 1024 * 1024
CORRELATION_CHUNK = 2000
# What the correlation reads of a service and its asset (loading the timestamps too cost
# more than the matching itself on a large import).
CORRELATED_FIELDS = (
    "establishment_id", "asset_id", "port", "protocol", "name", "product", "version",
    "extrainfo", "cpe", "is_open", "asset__address", "asset__os_guess",
    "asset__criticality", "asset__asset_class", "asset__establishment_id",
)  # fmt: skip
Progress = Callable[[int, int], None]


def _size(upload: IO[bytes]) -> int:
    upload.seek(0, 2)
    size = upload.tell()
    upload.seek(0)
    return size


def report_import_request(
    *,
    establishment: Any,
    upload: IO[bytes],
    filename: str,
    actor: Any,
    fmt: str = "nmap",
    enqueue: bool = True,
) -> Scan:
    """Check a report whole and queue its import (or leave the job to the caller when
    `enqueue` is false: the command line runs it in-process). Refused: nothing stored."""
    if actor is not None and not access.can(actor, Action.CHANGE, establishment):
        raise PermissionDeniedError(_("You cannot import reports for this establishment."))
    if _size(upload) > MAX_REPORT_BYTES:
        raise ApplicationError(_("The report is larger than 50 MB."), code="too_large")
    if fmt != "nmap":
        raise ApplicationError(_("Unsupported report format: %(fmt)s") % {"fmt": fmt})
    targets, exclusions = _perimeter_lines(establishment)
    perimeter = _perimeter(targets, exclusions)
    with tempfile.TemporaryFile() as spool:
        header = _spool(upload, filename, perimeter, spool)
        with transaction.atomic():
            scan = _queued_scan(establishment, targets, exclusions, actor, header)
            scan.result_file.save(f"{scan.public_id}.hosts.jsonl.gz", File(spool), save=False)
            scan.save(update_fields=["result_file", "updated_at"])
            if enqueue:
                _enqueue(scan, actor, filename)
    return scan


def report_import(
    *, establishment: Any, data: bytes, filename: str, actor: Any, fmt: str = "nmap"
) -> tuple[Scan, ImportSummary]:
    """Check and import a report now, in this process, without a job (the demo data and
    scripts): the same two steps as the command and the web import."""
    scan = report_import_request(
        establishment=establishment,
        upload=io.BytesIO(data),
        filename=filename,
        actor=actor,
        fmt=fmt,
        enqueue=False,
    )
    return scan, report_import_run(scan=scan, actor=actor)


def _perimeter_lines(establishment: Any) -> tuple[list[str], list[str]]:
    targets = [
        t
        for scope in Scope.objects.filter(establishment=establishment, is_active=True)
        for t in scope.target_lines()
    ]
    if not targets:
        raise ApplicationError(_("Declare the establishment's scopes before importing reports."))
    return targets, exclusions_of(establishment)


def _spool(upload: IO[bytes], filename: str, perimeter: Perimeter, out: IO[bytes]) -> SpoolHeader:
    try:
        return spool_report(upload, source=filename, perimeter=perimeter, out=out)
    except NmapParseError as exc:
        raise ApplicationError(
            _("This nmap report cannot be read: %(error)s") % {"error": describe(exc)},
            code="malformed",
        ) from exc


def _queued_scan(
    establishment: Any, targets: list[str], exclusions: list[str], actor: Any, header: SpoolHeader
) -> Scan:
    return Scan.objects.create(
        establishment=establishment,
        policy=Policy.DISCOVERY,
        source=ScanSource.NMAP,
        status=ScanStatus.QUEUED,
        targets="\n".join(targets),
        exclusions="\n".join(exclusions),
        tcp_ports=header.tcp_ports[:2000],
        udp_ports=header.udp_ports[:500],
        requested_by=actor if getattr(actor, "is_authenticated", False) else None,
    )


def _enqueue(scan: Scan, actor: Any, filename: str) -> None:
    from rempart.jobs.runner import job_enqueue  # noqa: PLC0415  (jobs import the services)

    scan.job = job_enqueue(
        kind="scanning.import",
        title=_("Import of %(file)s") % {"file": filename[:200]},
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        establishment=scan.establishment,
        params={"scan_id": scan.pk},
    )
    scan.save(update_fields=["job", "updated_at"])


def report_import_run(
    *,
    scan: Scan,
    actor: Any = None,
    progress: Progress | None = None,
    check_cancelled: Callable[[], None] | None = None,
) -> ImportSummary:
    """Write a checked report into the inventory (the job's work; see the module)."""
    scan.status, scan.started_at, scan.error = ScanStatus.RUNNING, timezone.now(), ""
    scan.save(update_fields=["status", "started_at", "error", "updated_at"])
    clock = time.perf_counter()
    with scan.result_file.open("rb") as stream:
        header, hosts = read_spool(stream)
        result = _result(header)
        writer = inventory_writer(scan, result)
        for batch in batches(hosts):
            if check_cancelled is not None:
                check_cancelled()
            writer.write(batch)
            if progress is not None:
                progress(writer.hosts, header.kept)
    summary = ImportSummary(dropped=header.dropped[:], dropped_count=header.dropped_count)
    summary.seconds["inventory"] = time.perf_counter() - clock
    scan_result_finish(scan=scan, result=result, writer=writer, summary=summary, actor=actor)
    summary.seconds["lifecycle"] = time.perf_counter() - clock - summary.seconds["inventory"]
    clock = time.perf_counter()
    correlate_seen(scan)
    summary.seconds["correlation"] = time.perf_counter() - clock
    return summary


def _result(header: SpoolHeader) -> ScanResult:
    """The report as an engine result without hosts (they are streamed) or findings."""
    return ScanResult(
        job_id=header.source,
        policy="discovery",
        started_at=now_iso(),
        finished_at=now_iso(),
        status="completed" if not header.error else "failed",
        error=header.error,
        nmap_version=header.nmap_version,
        coverage=Coverage(tcp_ports=header.tcp_ports, udp_ports=header.udp_ports),
    )


def correlate_seen(scan: Scan) -> int:
    """Correlate the open services the scan saw with the catalog, a chunk at a time (each
    chunk is one transaction of the correlation). Returns the CVEs matched."""
    services = (
        open_services()
        .filter(establishment_id=scan.establishment_id, last_seen__gte=scan.started_at)
        .only(*CORRELATED_FIELDS)
    )
    matched, last = 0, 0
    while chunk := list(services.filter(pk__gt=last).order_by("pk")[:CORRELATION_CHUNK]):
        matched += correlate_services(chunk, scan=scan).matched
        last = chunk[-1].pk
    return matched


def report_import_fail(scan: Scan, *, cancelled: bool, reason: str) -> None:
    """Record why an import stopped; the findings were not touched."""
    scan.status = ScanStatus.CANCELLED if cancelled else ScanStatus.FAILED
    scan.error = reason[:2000]
    scan.finished_at = timezone.now()
    scan.save(update_fields=["status", "error", "finished_at", "updated_at"])


def _perimeter(targets: list[str], exclusions: list[str]) -> Perimeter:
    """The establishment's scopes minus its exclusions; a line that no longer reads (e.g. a
    host name that stopped resolving) is named."""
    try:
        return Perimeter(targets, exclusions)
    except TargetError as exc:
        raise ApplicationError(
            _("The establishment's scopes are invalid: %(error)s") % {"error": describe(exc)},
            code="invalid_scope",
        ) from exc


RESUMABLE = (ScanStatus.FAILED, ScanStatus.CANCELLED)


def report_import_resumable(scan: Scan) -> bool:
    return (
        scan.source == ScanSource.NMAP
        and scan.status in RESUMABLE
        and str(scan.result_file.name or "").endswith(".hosts.jsonl.gz")
    )


@transaction.atomic
def report_import_resume(*, scan: Scan, actor: Any, ip_address: str | None = None) -> Scan:
    """Queue a failed or cancelled import again (CHANGE on the establishment)."""
    if not access.can(actor, Action.CHANGE, scan.establishment):
        raise PermissionDeniedError(_("You cannot import reports for this establishment."))
    if not report_import_resumable(scan):
        raise ApplicationError(_("Only a failed or cancelled import can be resumed."))
    scan.status, scan.error = ScanStatus.QUEUED, ""
    scan.save(update_fields=["status", "error", "updated_at"])
    audit_record(
        actor=actor, verb="scanning.scan.import_resumed", target=scan, ip_address=ip_address
    )
    _enqueue(scan, actor, str(scan.result_file.name).rsplit("/", 1)[-1])
    return scan
