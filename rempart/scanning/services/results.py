"""Turning a scan result into inventory, findings and observations: the lifecycle.

- A finding is identified by its fingerprint (establishment, address, protocol/port, check,
  key): rescans never duplicate it, whatever the evidence text says.
- Seen again: `new` becomes `open`, `fixed` becomes `reopened` (deadline restarts).
- Not seen: `fixed` only when this scan **covered** it — the host was up, its port was in
  the scanned ports and either closed now or the check ran there without error. A host that
  was down, a port subset or a failed check changes nothing (observation "not covered").
- Accepted risks and false positives are never changed by scans; they still get observations.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone

from rempart.audit.services import audit_record
from rempart.engine.model import Finding as EngineFinding
from rempart.engine.model import Host as EngineHost
from rempart.engine.model import ScanResult
from rempart.engine.ports import parse_spec
from rempart.engine.targets import AllowedSet, TargetError
from rempart.scanning.choices import ACTIVE_STATUSES, FindingStatus, ObservationResult, ScanStatus
from rempart.scanning.models import Asset, Finding, FindingEvent, Observation, Scan, Service
from rempart.scanning.services.classify import guess_class
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
    dropped: list[str] = field(default_factory=list)


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


def allowed_for(scan: Scan) -> AllowedSet:
    """The addresses this scan was allowed to touch: its targets minus the exclusions."""
    return AllowedSet.build(_lines(scan.targets), _lines(scan.exclusions))


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


class _Importer:
    def __init__(self, scan: Scan, result: ScanResult) -> None:
        self.scan, self.result = scan, result
        self.hosts = {host.address: host for host in result.hosts}
        self.establishment = scan.establishment
        self.now = timezone.now()
        self.summary = ImportSummary()
        self.allowed = allowed_for(scan)
        self.assets: dict[str, Asset] = {}
        self.services: dict[tuple[str, int, str], Service] = {}
        self.observations: list[Observation] = []
        self.events: list[FindingEvent] = []

    def run(self) -> ImportSummary:
        hosts = [h for h in self.result.hosts if self._inside(h.address)]
        for host in hosts:
            self._asset(host)
        seen = self._present_findings()
        self._absent_findings(seen)
        Observation.objects.bulk_create(self.observations, batch_size=1000)
        FindingEvent.objects.bulk_create(self.events, batch_size=1000)
        return self.summary

    def _inside(self, address: str) -> bool:
        try:
            self.allowed.check(address)
        except PermissionError:
            if address not in self.summary.dropped:
                self.summary.dropped.append(address)
            return False
        return True

    # --- inventory ------------------------------------------------------------------------

    def _asset(self, host: EngineHost) -> None:
        asset, _created = Asset.objects.get_or_create(
            establishment=self.establishment,
            address=host.address,
            defaults={"first_seen": self.now, "last_seen": self.now},
        )
        asset.last_seen = self.now
        asset.hostnames = sorted(set(asset.hostnames) | set(host.hostnames))
        asset.mac = host.mac or asset.mac
        asset.mac_vendor = host.mac_vendor or asset.mac_vendor
        asset.os_guess = host.os_guess or asset.os_guess
        if not asset.class_set_manually:
            texts = [host.os_guess, host.mac_vendor, *(s.product for s in host.services)]
            asset.asset_class = guess_class((s.port for s in host.services), texts)
        asset.save()
        self.assets[host.address] = asset
        self.summary.hosts += 1
        self._services(asset, host)

    def _services(self, asset: Asset, host: EngineHost) -> None:
        scanned = {
            "tcp": _ports(self.result.coverage.tcp_ports),
            "udp": _ports(self.result.coverage.udp_ports),
        }
        seen: set[tuple[int, str]] = set()
        for item in host.services:
            fields = {
                "establishment": self.establishment,
                "name": item.name[:100],
                "product": item.product[:200],
                "version": item.version[:200],
                "extrainfo": item.extrainfo[:300],
                "cpe": (item.cpe[0] if item.cpe else "")[:300],
                "tunnel": item.tunnel[:10],
                "is_open": True,
                "last_seen": self.now,
            }
            service, _created = Service.objects.update_or_create(
                asset=asset,
                port=item.port,
                protocol=item.protocol,
                defaults=fields,
                create_defaults={**fields, "first_seen": self.now},
            )
            self.services[(host.address, item.port, item.protocol)] = service
            seen.add((item.port, item.protocol))
            self.summary.services += 1
        closed = [
            s.pk
            for s in asset.services.filter(is_open=True)
            if (s.port, s.protocol) not in seen and s.port in scanned.get(s.protocol, set())
        ]
        Service.objects.filter(pk__in=closed).update(is_open=False)

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
            title_fr=item.title_fr[:300],
            severity=item.severity,
            confidence=item.confidence,
            evidence=item.evidence,
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
        for name, value in self._priority(item, self.assets[item.host]).items():
            setattr(finding, name, value)
        finding.severity, finding.confidence = item.severity, item.confidence
        finding.title, finding.title_fr = item.title[:300], item.title_fr[:300]
        finding.product, finding.version = item.product[:200], item.version[:200]
        finding.save()
        if finding.status != before:
            self._event(finding, before, finding.status)

    def _absent_findings(self, seen: set[str]) -> None:
        candidates = (
            Finding.objects.filter(establishment=self.establishment)
            .exclude(fingerprint__in=list(seen))
            .exclude(status=FindingStatus.FIXED)
            .select_related("asset")
        )
        covered_checks = {
            (c["host"], c.get("port"), c.get("protocol"), c["check"])
            for c in self.result.coverage.checks
            if c.get("status") == "ok"
        }
        for finding in candidates.iterator(chunk_size=1000):
            if not self._targeted(finding.asset.address):
                continue
            if finding.check_id == "cve" and self._service_seen(finding):
                continue  # correlation observes version findings on the services it sees
            covered = self._covered(finding, covered_checks)
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
                finding.status, finding.fixed_at = FindingStatus.FIXED, self.now
                finding.save(update_fields=["status", "fixed_at", "updated_at"])
                self._event(finding, before, FindingStatus.FIXED)
                self.summary.fixed += 1
            elif not covered:
                self.summary.not_covered += 1

    def _targeted(self, address: str) -> bool:
        try:
            self.allowed.check(address)
        except PermissionError:
            return False
        return True

    def _service_seen(self, finding: Finding) -> bool:
        """Whether this scan saw the finding's port open on its host."""
        host = self.hosts.get(finding.asset.address)
        if host is None or finding.port is None:
            return False
        return host.service(finding.port, finding.protocol) is not None

    def _covered(self, finding: Finding, checks: set[tuple[Any, ...]]) -> bool:
        address = finding.asset.address
        if address not in self.result.coverage.hosts_up:
            return False  # the host did not answer: it may be off, not fixed
        if not finding.port:
            return any(c[0] == address and c[3] == finding.check_id for c in checks)
        spec = (
            self.result.coverage.tcp_ports
            if finding.protocol == "tcp"
            else self.result.coverage.udp_ports
        )
        if finding.port not in _ports(spec):
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


def _ports(spec: str) -> set[int]:
    try:
        return set(parse_spec(spec)) if spec else set()
    except ValueError:
        return set()


@transaction.atomic
def scan_result_import(*, scan: Scan, result: ScanResult, actor: Any = None) -> ImportSummary:
    """Apply a validated engine result to the scan's establishment, all or nothing."""
    try:
        summary = _Importer(scan, result).run()
    except TargetError as exc:
        raise ValueError(f"the scan's targets are invalid: {exc}") from exc
    scan.status = {
        "completed": ScanStatus.COMPLETED,
        "failed": ScanStatus.FAILED,
        "cancelled": ScanStatus.CANCELLED,
    }.get(result.status, ScanStatus.FAILED)
    notes = [result.error] if result.error else []
    if summary.dropped:
        notes.append("ignored out-of-scope addresses: " + ", ".join(summary.dropped[:20]))
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


def hosts_of(result: ScanResult) -> Iterable[str]:
    return (h.address for h in result.hosts)
