"""Scans run by probes: the signed job, its hand-out, the result chunks and their import.

The centre never trusts a probe's result: every address is re-checked against the scan's
perimeter (its targets minus the exclusions, taken from the declared scope), and what lies
outside is dropped and written in the audit log.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import gzip
import hashlib
import json
from typing import Any

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from rempart.audit.services import audit_record
from rempart.core.actions import Action
from rempart.core.errors import ApplicationError, PermissionDeniedError
from rempart.engine.model import RateLimits, ResultFormatError, ScanResult
from rempart.probe import signing
from rempart.probes.choices import JobStatus
from rempart.probes.keys import centre_key
from rempart.probes.models import Probe, ProbeJob, ResultChunk
from rempart.probes.services import PROBE_ACTOR
from rempart.scanning.choices import Policy, ScanStatus
from rempart.scanning.models import Scan, ScanWindow, Scope
from rempart.scanning.services.imports import correlate_seen
from rempart.scanning.services.results import perimeter_for, scan_result_import
from rempart.scanning.services.scans import in_window, scan_create, scan_fail, scan_request
from rempart.tenancy import access

JOB_VALIDITY = dt.timedelta(hours=24)
MAX_CHUNK_BYTES = 1024 * 1024
MAX_CHUNKS = 256
MAX_RESULT_BYTES = 256 * 1024 * 1024
MAX_REFUSED_LISTED = 50


def _windows(scope: Scope) -> list[dict[str, Any]]:
    return [
        {"weekday": w.weekday, "start": w.start.strftime("%H:%M"), "end": w.end.strftime("%H:%M")}
        for w in ScanWindow.objects.filter(scope=scope).order_by("weekday", "start")
    ]


def job_document(job: ProbeJob, scan: Scan, now: dt.datetime) -> dict[str, Any]:
    """What the probe runs, exactly: signed as a whole by the centre."""
    return {
        "job_id": str(job.public_id),
        "probe": job.probe.key_fingerprint,
        "issued_at": int(now.timestamp()),
        "not_after": int((now + JOB_VALIDITY).timestamp()),
        "windows": _windows(scan.scope) if scan.scope else [],
        "timezone": "Europe/Paris",
        "scan": {
            "job_id": str(scan.public_id),
            "targets": [t for t in scan.targets.splitlines() if t.strip()],
            "exclusions": [t for t in scan.exclusions.splitlines() if t.strip()],
            "policy": scan.policy,
            "tcp_ports": scan.tcp_ports or None,
            "udp_ports": scan.udp_ports or None,
            "rate": dataclasses.asdict(RateLimits()),
        },
    }


@transaction.atomic
def probe_scan_request(
    *,
    probe: Probe,
    scope: Scope,
    actor: Any,
    policy: str = Policy.STANDARD,
    ip_address: str | None = None,
    schedule: Any = None,
) -> ProbeJob:
    """A scan of `scope` to be run by `probe`: the same checks as a central scan (declared
    and authorised scope, exclusions, windows), and the probe must be of the same
    establishment and not revoked."""
    if probe.establishment_id != scope.establishment_id:
        raise ApplicationError(_("This probe belongs to another establishment."))
    if probe.revoked_at is not None:
        raise ApplicationError(_("This probe is revoked."))
    scan = scan_create(
        scope=scope, actor=actor, policy=policy, ip_address=ip_address, schedule=schedule
    )
    now = timezone.now()
    job = ProbeJob(establishment=scan.establishment, probe=probe, scan=scan)
    job.document = job_document(job, scan, now)
    job.signature = signing.sign_document(centre_key(), job.document)
    job.save()
    probe.scopes.add(scope)
    audit_record(
        actor=actor,
        verb="probes.job.assigned",
        target=job,
        ip_address=ip_address,
        changes={"probe": probe.name, "scan": str(scan.public_id), "scope": scope.name},
    )
    return job


def scope_probe(scope: Scope) -> Probe | None:
    """The probe that scans `scope` (the first enrolled, not revoked), or None: the centre."""
    probe: Probe | None = (
        Probe.objects.for_establishment(scope.establishment)
        .filter(scopes=scope, revoked_at__isnull=True)
        .order_by("enrolled_at")
        .first()
    )
    return probe


def scheduled_scan_request(*, schedule: Any) -> Scan:
    """A scheduled scan: run by the probe of its scope when there is one, else centrally."""
    probe = scope_probe(schedule.scope)
    if probe is None:
        return scan_request(
            scope=schedule.scope, actor=None, policy=schedule.policy, schedule=schedule
        )
    job = probe_scan_request(
        probe=probe, scope=schedule.scope, actor=None, policy=schedule.policy, schedule=schedule
    )
    return job.scan


def job_next(probe: Probe) -> ProbeJob | None:
    """The oldest job waiting for this probe whose scope is in a scan window now; it is
    marked sent. Jobs of other probes (hence other establishments) are never looked at."""
    _expire_unanswered(probe)
    with transaction.atomic():
        waiting = (
            ProbeJob.objects.select_for_update(of=("self",))
            .filter(probe=probe, establishment_id=probe.establishment_id)
            .filter(status=JobStatus.PENDING)
            .select_related("scan", "scan__scope")
            .order_by("created_at")
        )
        for job in waiting:
            if job.scan.scope is not None and not in_window(job.scan.scope):
                continue
            now = timezone.now()
            job.status, job.sent_at = JobStatus.SENT, now
            job.save(update_fields=["status", "sent_at", "updated_at"])
            job.scan.status, job.scan.started_at = ScanStatus.RUNNING, now
            job.scan.save(update_fields=["status", "started_at", "updated_at"])
            found: ProbeJob = job
            return found
    return None


def _expire_unanswered(probe: Probe) -> None:
    """Jobs sent more than their validity ago with no result end failed with the reason."""
    stale = ProbeJob.objects.filter(
        probe=probe, status=JobStatus.SENT, sent_at__lt=timezone.now() - JOB_VALIDITY
    ).select_related("scan")
    for job in stale:
        job_abandon(job, _("No result from the probe within 24 hours."))


def job_of_probe(probe: Probe, public_id: str) -> ProbeJob:
    """The probe's own job, or an error that the API turns into 404."""
    job: ProbeJob | None = (
        ProbeJob.objects.filter(probe=probe, establishment_id=probe.establishment_id)
        .filter(public_id=public_id)
        .select_related("scan", "scan__establishment", "probe")
        .first()
    )
    if job is None:
        raise ApplicationError(_("No such job."), code="not_found")
    return job


def chunk_store(*, job: ProbeJob, index: int, key: str, data: bytes) -> bool:
    """Keep one chunk; False when this idempotency key was already received (a retry)."""
    if job.status == JobStatus.COMPLETED:  # a retry after the result was imported
        return False
    if job.status != JobStatus.SENT:
        raise ApplicationError(_("This job does not accept results."), code="job_closed")
    if not 0 <= index < MAX_CHUNKS or len(data) > MAX_CHUNK_BYTES or not key:
        raise ApplicationError(_("This chunk is invalid."), code="invalid_chunk")
    if ResultChunk.objects.filter(job=job, idempotency_key=key[:200]).exists():
        return False
    try:
        with transaction.atomic():
            ResultChunk.objects.create(job=job, index=index, idempotency_key=key[:200], data=data)
    except IntegrityError:  # the same index under another key: the first one wins
        return False
    return True


def _assemble(job: ProbeJob, total: int, digest: str) -> ScanResult:
    chunks = list(ResultChunk.objects.filter(job=job, index__lt=total).order_by("index"))
    if len(chunks) != total:
        raise ApplicationError(_("Some chunks of the result are missing."), code="incomplete")
    packed = b"".join(bytes(c.data) for c in chunks)
    if hashlib.sha256(packed).hexdigest() != digest:
        raise ApplicationError(_("The result does not match its checksum."), code="checksum")
    try:
        raw = gzip.decompress(packed)
        if len(raw) > MAX_RESULT_BYTES:
            raise ApplicationError(_("The result is too large."), code="too_large")
        return ScanResult.from_dict(json.loads(raw))
    except (OSError, EOFError, ValueError, ResultFormatError) as exc:
        raise ApplicationError(
            _("The result is not a valid scan result: %(error)s") % {"error": exc},
            code="invalid_result",
        ) from exc


def _outside(scan: Scan, result: ScanResult) -> list[str]:
    allowed = perimeter_for(scan)
    addresses = [h.address for h in result.hosts] + [f.host for f in result.findings]
    return sorted({a for a in addresses if a not in allowed})


def job_finish(*, job: ProbeJob, total: int, digest: str) -> bool:
    """Import the uploaded result once; False when it was already imported (a retry)."""
    with transaction.atomic():
        locked = ProbeJob.objects.select_for_update(of=("self",))
        job = locked.select_related("scan", "probe").get(pk=job.pk)
        if job.status == JobStatus.COMPLETED:
            return False
        if job.status != JobStatus.SENT:
            raise ApplicationError(_("This job does not accept results."), code="job_closed")
        result = _assemble(job, total, digest)
        if result.job_id != str(job.scan.public_id):
            raise ApplicationError(_("This result belongs to another job."), code="wrong_job")
        _import(job, result)
    correlate_seen(job.scan)
    return True


def _import(job: ProbeJob, result: ScanResult) -> None:
    scan = job.scan
    outside = _outside(scan, result)
    if outside:
        audit_record(
            actor=None,
            actor_label=PROBE_ACTOR,
            verb="probes.result.out_of_scope",
            target=job,
            changes={
                "probe": job.probe.name,
                "addresses": outside[:MAX_REFUSED_LISTED],
                "count": len(outside),
            },
        )
        result.findings = [f for f in result.findings if f.host not in outside]
    payload = gzip.compress(json.dumps(result.to_dict()).encode())
    scan.result_file.save(f"{scan.public_id}.json.gz", ContentFile(payload), save=False)
    scan_result_import(scan=scan, result=result)
    now = timezone.now()
    job.status, job.finished_at = JobStatus.COMPLETED, now
    job.save(update_fields=["status", "finished_at", "updated_at"])
    ResultChunk.objects.filter(job=job).delete()
    job.probe.last_job = str(job.public_id)
    job.probe.save(update_fields=["last_job", "updated_at"])


def job_abandon(job: ProbeJob, reason: str) -> None:
    """The job and its scan end failed with `reason` (probe failure or revocation)."""
    job.status, job.error, job.finished_at = JobStatus.FAILED, reason[:2000], timezone.now()
    job.save(update_fields=["status", "error", "finished_at", "updated_at"])
    if job.scan.status in (ScanStatus.QUEUED, ScanStatus.RUNNING):
        scan_fail(job.scan, reason)


@transaction.atomic
def job_cancel(*, job: ProbeJob, actor: Any, ip_address: str | None = None) -> None:
    """Withdraw a job not finished yet: a probe that already has it sees its result refused."""
    if not access.can(actor, Action.CHANGE, job.establishment):
        raise PermissionDeniedError(_("You cannot cancel scans of this establishment."))
    if job.status not in (JobStatus.PENDING, JobStatus.SENT):
        raise ApplicationError(_("This job is already finished."))
    job.status, job.finished_at = JobStatus.CANCELLED, timezone.now()
    job.error = _("Cancelled by a user.")
    job.save(update_fields=["status", "error", "finished_at", "updated_at"])
    Scan.objects.filter(pk=job.scan_id).update(
        status=ScanStatus.CANCELLED, error=job.error, finished_at=job.finished_at
    )
    audit_record(actor=actor, verb="probes.job.cancelled", target=job, ip_address=ip_address)


def job_fail(*, job: ProbeJob, error: str) -> None:
    if job.status not in (JobStatus.PENDING, JobStatus.SENT):
        return
    job_abandon(job, _("The probe reported a failure: %(error)s") % {"error": error[:1000]})
