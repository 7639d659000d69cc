"""Turning a scan result into inventory, findings and observations: the lifecycle.

- A finding is identified by its fingerprint (establishment, address, protocol/port, check,
  key): rescans never duplicate it, whatever the evidence text says.
- Seen again: `new` becomes `open`, `fixed` becomes `reopened` (deadline restarts).
- Not seen: `fixed` only when this scan **covered** it — the host was up, its port was in
  the scanned ports and either closed now or the check ran there without error. A host that
  was down, a port subset or a failed check changes nothing (observation "not covered").
- Accepted risks and false positives are never changed by scans; they still get observations.

The inventory is written first, in batches of hosts, each its own short transaction
(`services.inventory`); the findings' lifecycle, the scan's counters and its audit entry then
in one transaction. A failure between the two leaves the scan failed and every finding as
it was; the hosts already written are what the scan did see, and applying the result again
gives the same rows.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from rempart.audit.services import audit_record
from rempart.core.errors import ApplicationError
from rempart.engine.model import Finding as EngineFinding
from rempart.engine.model import ScanResult
from rempart.engine.targets import Perimeter, TargetError
from rempart.scanning.check_texts import finding_title
from rempart.scanning.choices import ACTIVE_STATUSES, FindingStatus, ObservationResult, ScanStatus
from rempart.scanning.models import Asset, Finding, FindingEvent, Observation, Scan, Service
from rempart.scanning.problems import describe, render
from rempart.scanning.services.inventory import InventoryWriter, batches, scanned_ports
from rempart.scanning.services.priority import compute
from rempart.scanning.services.sla import due_at


@dataclass
class ImportSummary:
    hosts: int = 0
    services: int = 0
    new: int = 0
    reopened: int = 0
    fixed: int = 0
    present: int = 0
    not_covered: int = 0
    dropped: list[str] = field(default_factory=list)  # the first out-of-scope addresses
    dropped_count: int = 0
    seconds: dict[str, float] = field(default_factory=dict)  # time spent in each phase

    def drop(self, address: str) -> None:
        self.dropped_count += 1
        if len(self.dropped) < MAX_DROPPED_LISTED:
            self.dropped.append(address)


MAX_DROPPED_LISTED = 100


def fingerprint(
    establishment_id: int,
    address: str,
    *,
    protocol: str | None,
    port: int | None,
    check: str,
    key: str,
) -> str:
    where = f"{protocol}/{port}" if port else "host"
    raw = f"{establishment_id}|{address}|{where}|{check}|{key}"
    return hashlib.sha256(raw.encode()).hexdigest()


def perimeter_for(scan: Scan) -> Perimeter:
    """The addresses this scan was allowed to touch: its targets minus the exclusions."""
    try:
        return Perimeter(_lines(scan.targets), _lines(scan.exclusions))
    except TargetError as exc:
        raise ApplicationError(
            _("The scan's targets are invalid: %(error)s") % {"error": describe(exc)},
            code="invalid_targets",
        ) from exc


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


class _Lifecycle:
    """The findings part of an import, once the inventory is written."""

    def __init__(
        self, scan: Scan, result: ScanResult, writer: InventoryWriter, summary: ImportSummary
    ) -> None:
        self.scan, self.result, self.seen = scan, result, writer.seen
        self.establishment = scan.establishment
        self.now = writer.now
        self.scanned = writer.scanned
        self.summary = summary
        self.allowed = perimeter_for(scan)
        self.assets: dict[str, Asset] = {}
        self.services: dict[tuple[str, int, str], Service] = {}
        self.observations: list[Observation] = []
        self.events: list[FindingEvent] = []
        self.fixed: list[Finding] = []

    def run(self) -> None:
        self._load_inventory({item.host for item in self.result.findings})
        seen = self._present_findings()
        self._absent_findings(seen)
        Finding.objects.bulk_update(
            self.fixed, ["status", "fixed_at", "updated_at"], batch_size=500
        )
        Observation.objects.bulk_create(self.observations, batch_size=1000)
        FindingEvent.objects.bulk_create(self.events, batch_size=1000)

    def _load_inventory(self, addresses: set[str]) -> None:
        """The assets (and their services) the incoming findings are about."""
        wanted = [a for a in addresses if a in self.seen]
        for start in range(0, len(wanted), 500):
            for asset in Asset.objects.filter(
                establishment=self.establishment, address__in=wanted[start : start + 500]
            ):
                self.assets[asset.address] = asset
        by_pk = {asset.pk: address for address, asset in self.assets.items()}
        for service in Service.objects.filter(asset_id__in=list(by_pk)):
            key = (by_pk[service.asset_id], service.port, service.protocol)
            self.services[key] = service

    # --- findings ---------------------------------------------------------------------------

    def _present_findings(self) -> set[str]:
        incoming: dict[str, EngineFinding] = {}
        for item in self.result.findings:
            if item.host in self.assets:
                key = fingerprint(
                    self.establishment.pk,
                    item.host,
                    protocol=item.protocol,
                    port=item.port,
                    check=item.check,
                    key=item.key,
                )
                incoming.setdefault(key, item)
        existing = {
            f.fingerprint: f
            for f in Finding.objects.filter(
                establishment=self.establishment, fingerprint__in=list(incoming)
            )
        }
        for key, item in incoming.items():
            finding = existing.get(key)
            if finding is None:
                finding = self._create(key, item)
            else:
                self._seen_again(finding, item)
            self.observations.append(
                Observation(
                    establishment=self.establishment,
                    finding=finding,
                    scan=self.scan,
                    result=ObservationResult.PRESENT,
                    evidence=item.evidence,
                    evidence_messages=item.evidence_messages,
                    severity=item.severity,
                )
            )
            self.summary.present += 1
        return set(incoming)

    def _priority(self, item: EngineFinding, asset: Asset) -> dict[str, Any]:
        priority, reasons = compute(
            severity=item.severity,
            criticality=asset.criticality,
            asset_class=asset.asset_class,
            port=item.port,
        )
        return {"priority": priority, "priority_reasons": reasons}

    def _create(self, key: str, item: EngineFinding) -> Finding:
        finding = Finding.objects.create(
            establishment=self.establishment,
            asset=self.assets[item.host],
            service=self.services.get((item.host, item.port or 0, item.protocol or "")),
            port=item.port,
            protocol=item.protocol or "",
            check_id=item.check,
            key=item.key[:200],
            fingerprint=key,
            title=item.title[:300],
            title_fr=_title_fr(item),
            title_params=item.title_params,
            severity=item.severity,
            confidence=item.confidence,
            evidence=item.evidence,
            evidence_messages=item.evidence_messages,
            cves=item.cves,
            references=item.references,
            product=item.product[:200],
            version=item.version[:200],
            cpe=item.cpe[:300],
            first_seen=self.now,
            last_seen=self.now,
            due_at=due_at(item.severity, self.now),
            **self._priority(item, self.assets[item.host]),
        )
        self._event(finding, "", FindingStatus.NEW)
        self.summary.new += 1
        return finding

    def _seen_again(self, finding: Finding, item: EngineFinding) -> None:
        before = finding.status
        if before == FindingStatus.NEW:
            finding.status = FindingStatus.OPEN
        elif before == FindingStatus.FIXED:
            finding.status, finding.fixed_at = FindingStatus.REOPENED, None
            finding.reopen_count += 1
            finding.due_at = due_at(
                item.severity, self.now, known_exploited=finding.known_exploited
            )
            self.summary.reopened += 1
        finding.last_seen, finding.evidence = self.now, item.evidence
        finding.evidence_messages = item.evidence_messages
        for name, value in self._priority(item, self.assets[item.host]).items():
            setattr(finding, name, value)
        finding.severity, finding.confidence = item.severity, item.confidence
        finding.title, finding.title_fr = item.title[:300], _title_fr(item)
        finding.title_params = item.title_params
        finding.product, finding.version = item.product[:200], item.version[:200]
        finding.save()
        if finding.status != before:
            self._event(finding, before, finding.status)

    def _absent_findings(self, seen: set[str]) -> None:
        candidates = (
            Finding.objects.filter(establishment=self.establishment)
            .exclude(status=FindingStatus.FIXED)
            .select_related("asset")
        )
        covered_checks = {
            (c["host"], c.get("port"), c.get("protocol"), c["check"])
            for c in self.result.coverage.checks
            if c.get("status") == "ok"
        }
        for finding in candidates.iterator(chunk_size=2000):
            if finding.fingerprint in seen or finding.asset.address not in self.allowed:
                continue
            if finding.check_id == "cve" and self._service_seen(finding):
                continue  # correlation observes version findings on the services it sees
            self._absent(finding, covered=self._covered(finding, covered_checks))

    def _absent(self, finding: Finding, *, covered: bool) -> None:
        self.observations.append(
            Observation(
                establishment=self.establishment,
                finding=finding,
                scan=self.scan,
                result=ObservationResult.ABSENT if covered else ObservationResult.NOT_COVERED,
            )
        )
        if covered and finding.status in ACTIVE_STATUSES:
            before = finding.status
            finding.status, finding.fixed_at, finding.updated_at = (
                FindingStatus.FIXED,
                self.now,
                self.now,
            )
            self.fixed.append(finding)
            self._event(finding, before, FindingStatus.FIXED)
            self.summary.fixed += 1
        elif not covered:
            self.summary.not_covered += 1

    def _service_seen(self, finding: Finding) -> bool:
        """Whether this scan saw the finding's port open on its host."""
        ports = self.seen.get(finding.asset.address)
        return ports is not None and (finding.port, finding.protocol) in ports

    def _covered(self, finding: Finding, checks: set[tuple[Any, ...]]) -> bool:
        address = finding.asset.address
        if address not in self.seen:
            return False  # the host did not answer: it may be off, not fixed
        if not finding.port:
            return any(c[0] == address and c[3] == finding.check_id for c in checks)
        if finding.port not in self.scanned.get(finding.protocol, set()):
            return False  # this scan did not look at that port
        if not self._service_seen(finding):
            return True  # the port is closed now
        # (version findings on a port seen open never get here: correlation observes them)
        return (address, finding.port, finding.protocol, finding.check_id) in checks

    def _event(self, finding: Finding, before: str, after: str) -> None:
        self.events.append(
            FindingEvent(
                establishment=self.establishment,
                finding=finding,
                from_status=before,
                to_status=after,
                scan=self.scan,
            )
        )


def inventory_writer(scan: Scan, result: ScanResult) -> InventoryWriter:
    return InventoryWriter(
        establishment_id=scan.establishment_id,
        scanned=scanned_ports(result.coverage.tcp_ports, result.coverage.udp_ports),
        now=timezone.now(),
    )


def scan_result_import(*, scan: Scan, result: ScanResult, actor: Any = None) -> ImportSummary:
    """Apply a validated engine result to the scan's establishment: the hosts inside the
    scan's perimeter in batches, then the findings' lifecycle."""
    allowed = perimeter_for(scan)
    writer = inventory_writer(scan, result)
    summary = ImportSummary()
    inside = [h for h in result.hosts if _keep(h.address, allowed, summary)]
    for batch in batches(inside):
        writer.write(batch)
    return scan_result_finish(scan=scan, result=result, writer=writer, summary=summary, actor=actor)


def _keep(address: str, allowed: Perimeter, summary: ImportSummary) -> bool:
    if address in allowed:
        return True
    summary.drop(address)
    return False


@transaction.atomic
def scan_result_finish(
    *,
    scan: Scan,
    result: ScanResult,
    writer: InventoryWriter,
    summary: ImportSummary,
    actor: Any = None,
) -> ImportSummary:
    """The lifecycle of the findings, the scan's outcome and its audit entry: all or nothing."""
    summary.hosts, summary.services = writer.hosts, writer.services
    _Lifecycle(scan, result, writer, summary).run()
    scan.status = {
        "completed": ScanStatus.COMPLETED,
        "failed": ScanStatus.FAILED,
        "cancelled": ScanStatus.CANCELLED,
    }.get(result.status, ScanStatus.FAILED)
    notes = [_scan_error(result)] if result.error or result.error_message else []
    if summary.dropped_count:
        notes.append(_dropped_note(summary))
    scan.error = "\n".join(notes)
    scan.finished_at = timezone.now()
    scan.hosts_up, scan.services_found = summary.hosts, summary.services
    scan.findings_new, scan.findings_fixed = summary.new, summary.fixed
    scan.findings_reopened, scan.findings_present = summary.reopened, summary.present
    scan.engine_version = result.engine_version[:50]
    scan.save()
    audit_record(
        actor=actor,
        verb="scanning.scan.imported",
        target=scan,
        changes={
            "status": scan.status,
            "hosts": summary.hosts,
            "new": summary.new,
            "fixed": summary.fixed,
            "reopened": summary.reopened,
        },
    )
    return summary


def _title_fr(item: EngineFinding) -> str:
    """The French title the platform's catalogue gives the check (searched, shown in the
    audit log), else the engine's."""
    with translation.override("fr"):
        title = finding_title(item.check, item.title_params, fallback=item.title_fr or item.title)
    return title[:300]


def _scan_error(result: ScanResult) -> str:
    """Why the scan failed, in the platform's language when the engine gave a code."""
    message = result.error_message
    if message and isinstance(message.get("code"), str):
        return render(message["code"], message.get("params"))
    return result.error


def _dropped_note(summary: ImportSummary) -> str:
    shown = ", ".join(summary.dropped[:20])
    more = summary.dropped_count - min(len(summary.dropped), 20)
    return ngettext(
        "%(count)d address outside the scopes was ignored: %(shown)s",
        "%(count)d addresses outside the scopes were ignored: %(shown)s",
        summary.dropped_count,
    ) % {"count": summary.dropped_count, "shown": shown + (" …" if more > 0 else "")}


def hosts_of(result: ScanResult) -> Iterable[str]:
    return (h.address for h in result.hosts)
