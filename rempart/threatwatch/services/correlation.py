"""Correlation: which CVEs apply to the services of each establishment's inventory.

Runs after every scan (on the services it saw) and after every catalog change (on every
service that runs an affected product): a CVE published today creates findings on assets
scanned last month, without rescanning, and records an alert for notification.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

from rempart.scanning.choices import ACTIVE_STATUSES, FindingStatus
from rempart.scanning.models import Finding, FindingEvent, Observation, Service
from rempart.scanning.services.priority import compute
from rempart.scanning.services.results import fingerprint
from rempart.scanning.services.sla import due_at
from rempart.threatwatch.aliases import ProductVersion, products_of
from rempart.threatwatch.cpe import Cpe
from rempart.threatwatch.matching import Match, Rule, enrich, evaluate, rules_for
from rempart.threatwatch.models import Alert, CpeMatch, Cve

logger = logging.getLogger(__name__)


@dataclass
class CorrelationSummary:
    services: int = 0
    matched: int = 0
    created: int = 0
    closed: int = 0
    alerts: int = 0


def severity_of(cvss: float | None) -> str:
    if cvss is None:
        return "medium"
    for bound, name in ((9.0, "critical"), (7.0, "high"), (4.0, "medium")):
        if cvss >= bound:
            return name
    return "low" if cvss > 0 else "info"


def _service_products(service: Service) -> list[ProductVersion]:
    return products_of(
        product=service.product,
        version=service.version,
        extrainfo=service.extrainfo,
        cpe=service.cpe,
        name=service.name,
    )


def _matches(
    service: Service,
    products: list[ProductVersion],
    rules: dict[tuple[str, str], list[Rule]],
) -> dict[str, tuple[Match, ProductVersion]]:
    found: dict[str, tuple[Match, ProductVersion]] = {}
    platforms = [service.asset.os_guess] if service.asset.os_guess else []
    for product in products:
        for vendor, name in product.candidates:
            cpe = Cpe("a", vendor, name, product.version)
            for cve_id, match in evaluate(
                cpe, rules.get((vendor, name), []), platforms=platforms
            ).items():
                if product.distro_build:
                    match.confidence = "tentative"
                    match.reasons.append("distro_build")
                found.setdefault(cve_id, (match, product))
    return found


class _Correlator:
    def __init__(self, *, from_catalog: bool, scan: Any = None) -> None:
        self.from_catalog = from_catalog
        self.scan = scan
        self.now = timezone.now()
        self.summary = CorrelationSummary()

    def run(self, services: Iterable[Service]) -> CorrelationSummary:
        items = [(s, _service_products(s)) for s in services]
        pairs = {pair for _, products in items for p in products for pair in p.candidates}
        rules = rules_for(pairs)
        for service, products in items:
            self.summary.services += 1
            found = _matches(service, products, rules)
            enriched = {m.cve_id: m for m in enrich({k: v[0] for k, v in found.items()})}
            with transaction.atomic():
                self._apply(service, {k: (enriched[k], v[1]) for k, v in found.items()})
        return self.summary

    def _apply(self, service: Service, found: dict[str, tuple[Match, ProductVersion]]) -> None:
        existing = {
            f.key: f
            for f in Finding.objects.filter(
                establishment_id=service.establishment_id,
                asset_id=service.asset_id,
                port=service.port,
                protocol=service.protocol,
                check_id="cve",
            )
        }
        for cve_id, (match, product) in found.items():
            self.summary.matched += 1
            finding = existing.get(cve_id)
            if finding is None:
                finding = self._create(service, match, product)
            else:
                self._refresh(finding, service, match, product)
            if self.scan is not None:
                Observation.objects.get_or_create(
                    finding=finding,
                    scan=self.scan,
                    defaults={
                        "establishment_id": finding.establishment_id,
                        "result": "present",
                        "evidence": finding.evidence,
                        "severity": finding.severity,
                    },
                )
        for cve_id, finding in existing.items():
            if cve_id not in found and finding.status in ACTIVE_STATUSES:
                self._close(finding, service)

    def _texts(self, cve: Cve | None, match: Match, product: ProductVersion) -> dict[str, Any]:
        summary = (cve.title or cve.description[:180]) if cve else ""
        evidence = f"{product.label} — {match.source} rule matches version {product.version}"
        if product.distro_build:
            evidence += (
                f". Distribution build ({product.distro_build}): fixes may be "
                "backported, so this version-only match is tentative."
            )
        if "requires_platform" in match.reasons:
            evidence += ". The rule also requires a platform that was not confirmed."
        suffix = f" — {summary}" if summary else ""
        return {
            "title": f"{match.cve_id} in {product.label}{suffix}"[:300],
            "title_fr": f"{match.cve_id} dans {product.label}{suffix}"[:300],
            "evidence": evidence,
        }

    def _fields(self, service: Service, match: Match, product: ProductVersion) -> dict[str, Any]:
        cve = Cve.objects.filter(cve_id=match.cve_id).first()
        severity = severity_of(match.cvss)
        priority, reasons = compute(
            severity=severity,
            known_exploited=match.known_exploited,
            epss=match.epss,
            cvss=match.cvss,
            criticality=service.asset.criticality,
            asset_class=service.asset.asset_class,
            port=service.port,
        )
        return {
            **self._texts(cve, match, product),
            "severity": severity,
            "confidence": match.confidence,
            "cves": [match.cve_id],
            "known_exploited": match.known_exploited,
            "epss": match.epss,
            "product": product.label[:200],
            "version": product.version[:200],
            "cpe": service.cpe[:300],
            "priority": priority,
            "priority_reasons": reasons,
            "references": [f"https://www.cve.org/CVERecord?id={match.cve_id}"],
        }

    def _create(self, service: Service, match: Match, product: ProductVersion) -> Finding:
        fields = self._fields(service, match, product)
        finding = Finding.objects.create(
            establishment_id=service.establishment_id,
            asset_id=service.asset_id,
            service=service,
            port=service.port,
            protocol=service.protocol,
            check_id="cve",
            key=match.cve_id,
            fingerprint=fingerprint(
                service.establishment_id,
                service.asset.address,
                protocol=service.protocol,
                port=service.port,
                check="cve",
                key=match.cve_id,
            ),
            first_seen=self.now,
            last_seen=self.now,
            due_at=due_at(fields["severity"], self.now, known_exploited=match.known_exploited),
            **fields,
        )
        FindingEvent.objects.create(
            establishment_id=finding.establishment_id,
            finding=finding,
            to_status=FindingStatus.NEW,
            reason="catalog update" if self.from_catalog else "",
        )
        self.summary.created += 1
        if self.from_catalog:
            Alert.objects.create(
                establishment_id=finding.establishment_id,
                finding=finding,
                cve_id=match.cve_id,
                known_exploited=match.known_exploited,
            )
            self.summary.alerts += 1
        return finding

    def _refresh(
        self, finding: Finding, service: Service, match: Match, product: ProductVersion
    ) -> None:
        for name, value in self._fields(service, match, product).items():
            setattr(finding, name, value)
        finding.last_seen = self.now
        if finding.status == FindingStatus.FIXED:
            finding.status, finding.fixed_at = FindingStatus.REOPENED, None
            finding.reopen_count += 1
            FindingEvent.objects.create(
                establishment_id=finding.establishment_id,
                finding=finding,
                from_status=FindingStatus.FIXED,
                to_status=FindingStatus.REOPENED,
            )
        finding.save()

    def _close(self, finding: Finding, service: Service) -> None:
        version_changed = finding.version and finding.version not in (service.version or "")
        before = finding.status
        finding.status = FindingStatus.FIXED if version_changed else FindingStatus.FALSE_POSITIVE
        finding.fixed_at = self.now if version_changed else None
        finding.decision_reason = (
            ""
            if version_changed
            else ("The vulnerability catalog no longer applies this CVE to this version.")
        )
        finding.save()
        FindingEvent.objects.create(
            establishment_id=finding.establishment_id,
            finding=finding,
            from_status=before,
            to_status=finding.status,
            reason="version changed" if version_changed else "catalog correction",
        )
        self.summary.closed += 1


def correlate_services(
    services: Iterable[Service], *, from_catalog: bool = False, scan: Any = None
) -> CorrelationSummary:
    """Create, refresh or close CVE findings for the given (open) services; with `scan`,
    the matches are also recorded as that scan's observations."""
    return _Correlator(from_catalog=from_catalog, scan=scan).run(services)


def open_services() -> Any:
    return Service.objects.filter(is_open=True).exclude(version="").select_related("asset")


def correlate_scan(scan: Any) -> CorrelationSummary:
    """After a scan or a report import: the services of the assets it saw."""
    services = open_services().filter(
        establishment_id=scan.establishment_id, asset__last_seen__gte=scan.created_at
    )
    return correlate_services(services)


def correlate_catalog_change(*, cve_ids: Iterable[str] | None = None) -> CorrelationSummary:
    """After an import or a sync: every open service running a product the changed CVEs name
    (all services when `cve_ids` is None)."""
    services = open_services()
    if cve_ids is not None:
        ids = list(set(cve_ids))
        if not ids:
            return CorrelationSummary()
        products = set(
            CpeMatch.objects.filter(cve__cve_id__in=ids).values_list("product", flat=True)
        )
        services = [s for s in services if _names_product(s, products)]
    summary = correlate_services(services, from_catalog=True)
    logger.info("catalog correlation: %s", summary)
    return summary


def _names_product(service: Service, products: set[str]) -> bool:
    return any(
        name in products
        for product in _service_products(service)
        for _vendor, name in product.candidates
    )
