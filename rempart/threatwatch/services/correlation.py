"""Correlation: which CVEs apply to the services of each establishment's inventory.

Runs after every scan (on the services it saw) and after every catalog change (on every
service that runs an affected product): a CVE published today creates findings on assets
scanned last month, without rescanning, and records an alert for notification. Writes are
batched (bulk inserts and updates), so thousands of assets correlate in seconds.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from rempart.scanning.choices import ACTIVE_STATUSES, FindingStatus
from rempart.scanning.models import Finding, FindingEvent, Observation, Service
from rempart.scanning.services.priority import compute
from rempart.scanning.services.results import fingerprint
from rempart.scanning.services.sla import due_at
from rempart.threatwatch.alerts.raising import alerts_raise
from rempart.threatwatch.aliases import ProductVersion, distro_of, products_of
from rempart.threatwatch.cpe import Cpe
from rempart.threatwatch.index import RuleIndex
from rempart.threatwatch.matching import Match
from rempart.threatwatch.models import Alert, CpeMatch, Cve

logger = logging.getLogger(__name__)
UPDATED_FIELDS = [
    "title",
    "title_fr",
    "evidence",
    "severity",
    "confidence",
    "cves",
    "known_exploited",
    "epss",
    "product",
    "version",
    "cpe",
    "priority",
    "priority_reasons",
    "references",
    "last_seen",
    "status",
    "fixed_at",
    "reopen_count",
    "updated_at",
]


# What `_fields` computes, in its order: compared with the stored values to skip unchanged
# findings without loading them as model instances (most re-correlations change nothing).
COMPARED_FIELDS = (
    "title",
    "title_fr",
    "evidence",
    "severity",
    "confidence",
    "cves",
    "known_exploited",
    "epss",
    "product",
    "version",
    "cpe",
    "priority",
    "priority_reasons",
    "references",
)


@dataclass(slots=True)
class _Known:
    """An existing CVE finding, as far as correlation needs to know it."""

    pk: int
    status: str
    values: tuple[Any, ...]  # COMPARED_FIELDS


@dataclass
class CorrelationSummary:
    services: int = 0
    matched: int = 0
    created: int = 0
    closed: int = 0
    alerts: int = 0
    watch_alerts: int = 0  # establishment alerts raised (KEV, CERT-FR, new CVEs)


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


# Products whose banner names the distribution when the build is the distribution's (Apache's
# "(Debian)", OpenSSH's "Debian-2+deb12u2", MariaDB's "-0+deb12u1"): a bare version is theirs.
BANNER_NAMES_DISTRO = {("apache", "http_server"), ("openbsd", "openssh"), ("mariadb", "mariadb")}


def _host_distros(asset_ids: set[int]) -> dict[int, str]:
    """Per asset, a distribution that one of its open services or its OS guess reveals."""
    found: dict[int, str] = {}
    ids = list(asset_ids)
    columns = ("asset_id", "product", "version", "extrainfo", "asset__os_guess")
    for start in range(0, len(ids), 500):
        rows = Service.objects.filter(asset_id__in=ids[start : start + 500], is_open=True)
        for asset_id, *texts in rows.values_list(*columns):
            if asset_id not in found:
                distro = distro_of(*texts)
                if distro:
                    found[asset_id] = distro
    return found


def _with_host_distro(products: list[ProductVersion], distro: str) -> list[ProductVersion]:
    """On a distribution's host, a bare version (nginx's `1.22.1`, Redis's `7.0.15`) may be the
    distribution's package, fixes backported: unless the banner would have said so."""
    if not distro:
        return products
    return [
        product
        if product.distro_build or set(product.candidates) & BANNER_NAMES_DISTRO
        else replace(product, distro_build=distro)
        for product in products
    ]


def _platform_excluded(match: Match, os_guess: str) -> bool:
    """An application vulnerable only on some platform, on a host known to run another."""
    if not match.running_on or not os_guess:
        return False
    guess = os_guess.lower()
    return not any(
        word in guess
        for platform in match.running_on
        for word in platform.lower().split(":")[3:5]
        if word not in ("*", "-", "")
    )


class _Correlator:
    def __init__(self, *, from_catalog: bool, scan: Any = None) -> None:
        self.from_catalog, self.scan = from_catalog, scan
        self.now = timezone.now()
        self.summary = CorrelationSummary()
        self.index = RuleIndex()
        self.titles: dict[str, str] = {}
        self.new: list[Finding] = []
        self.changed: list[Finding] = []
        self.events: list[FindingEvent] = []
        self.seen: list[tuple[int, int, str, str]] = []  # known findings a scan saw again
        self.observed: list[int] = []  # findings seen again by a scan: last_seen moves
        self.to_refresh: dict[int, tuple[Service, dict[str, Any]]] = {}
        self.to_close: dict[int, Service] = {}

    def run(self, services: Iterable[Service]) -> CorrelationSummary:
        items = [(s, _service_products(s)) for s in services]
        host_distros = _host_distros({s.asset_id for s, _ in items})
        items = [
            (s, _with_host_distro(found, host_distros.get(s.asset_id, ""))) for s, found in items
        ]
        self.index.load({pair for _, found in items for p in found for pair in p.candidates})
        matched = {s.pk: self._matches(s, found) for s, found in items}
        self._load_titles({cve for found in matched.values() for cve in found})
        existing = self._existing([s for s, _ in items])
        with transaction.atomic():
            for service, _ in items:
                self.summary.services += 1
                self._apply(service, matched[service.pk], existing.get(service.pk, {}))
            self._load_and_update()
            self._flush()
        return self.summary

    def _matches(
        self, service: Service, products: list[ProductVersion]
    ) -> dict[str, tuple[Match, ProductVersion]]:
        found: dict[str, tuple[Match, ProductVersion]] = {}
        for product in products:
            for vendor, name in product.candidates:
                matches = self.index.match(Cpe("a", vendor, name, product.version))
                for cve_id, match in matches.items():
                    if _platform_excluded(match, service.asset.os_guess):
                        continue
                    if product.distro_build:
                        match.confidence = "tentative"
                        match.reasons.append("distro_build")
                    found.setdefault(cve_id, (match, product))
        enriched = {m.cve_id: m for m in self.index.enrich({k: v[0] for k, v in found.items()})}
        return {k: (enriched[k], v[1]) for k, v in found.items()}

    def _load_titles(self, cve_ids: set[str]) -> None:
        ids = list(cve_ids)
        for start in range(0, len(ids), 500):
            for cve_id, title, description in Cve.objects.filter(
                cve_id__in=ids[start : start + 500]
            ).values_list("cve_id", "title", "description"):
                self.titles[cve_id] = title or description[:180]

    @staticmethod
    def _existing(services: list[Service]) -> dict[int, dict[str, _Known]]:
        by_key = {(s.asset_id, s.port, s.protocol): s.pk for s in services}
        grouped: dict[int, dict[str, _Known]] = {}
        asset_ids = list({s.asset_id for s in services})
        columns = ("pk", "asset_id", "port", "protocol", "key", "status", *COMPARED_FIELDS)
        for start in range(0, len(asset_ids), 500):
            rows = Finding.objects.filter(
                check_id="cve", asset_id__in=asset_ids[start : start + 500]
            ).values_list(*columns)
            for pk, asset_id, port, protocol, key, status, *values in rows:
                service_pk = by_key.get((asset_id, port, protocol))
                if service_pk is not None:
                    grouped.setdefault(service_pk, {})[key] = _Known(pk, status, tuple(values))
        return grouped

    def _apply(
        self,
        service: Service,
        found: dict[str, tuple[Match, ProductVersion]],
        existing: dict[str, _Known],
    ) -> None:
        for cve_id, (match, product) in found.items():
            self.summary.matched += 1
            known = existing.get(cve_id)
            if known is None:
                self.new.append(self._build(service, match, product))
                continue
            fields = self._fields(service, match, product)
            if known.status == FindingStatus.FIXED or tuple(fields.values()) != known.values:
                self.to_refresh[known.pk] = (service, fields)
            if self.scan is not None or not self.from_catalog:
                self.observed.append(known.pk)
            self.seen.append(
                (known.pk, service.establishment_id, fields["evidence"], fields["severity"])
            )
        for cve_id, known in existing.items():
            if cve_id not in found and known.status in ACTIVE_STATUSES:
                self.to_close[known.pk] = service

    def _load_and_update(self) -> None:
        """The findings to rewrite or close, loaded whole (few: most re-correlations change
        nothing)."""
        pks = [*self.to_refresh, *self.to_close]
        for start in range(0, len(pks), 500):
            for finding in Finding.objects.filter(pk__in=pks[start : start + 500]):
                if finding.pk in self.to_refresh:
                    self._refresh(finding, *self.to_refresh[finding.pk])
                else:
                    self._close(finding, self.to_close[finding.pk])

    def _fields(self, service: Service, match: Match, product: ProductVersion) -> dict[str, Any]:
        summary = self.titles.get(match.cve_id, "")
        suffix = f" — {summary}" if summary else ""
        evidence = _evidence(match, product)
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
            "title": f"{match.cve_id} in {product.label}{suffix}"[:300],
            # The CVE's own summary is English: the French title names the CVE and the product
            # only, the summary is on the CVE's page (marked lang="en").
            "title_fr": f"{match.cve_id} dans {product.label}"[:300],
            "evidence": evidence,
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

    def _build(self, service: Service, match: Match, product: ProductVersion) -> Finding:
        fields = self._fields(service, match, product)
        self.summary.created += 1
        return Finding(
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
            status=FindingStatus.NEW,
            due_at=due_at(fields["severity"], self.now, known_exploited=match.known_exploited),
            **fields,
        )

    def _refresh(self, finding: Finding, service: Service, fields: dict[str, Any]) -> None:
        """Rewrite a finding whose computed fields changed, or reopen a fixed one; a scan
        moves `last_seen`, a catalog update does not (nothing was seen)."""
        for name, value in fields.items():
            setattr(finding, name, value)
        if self.scan is not None or not self.from_catalog:
            finding.last_seen = self.now
        if finding.status == FindingStatus.FIXED:
            finding.status, finding.fixed_at = FindingStatus.REOPENED, None
            finding.reopen_count += 1
            self._event(finding, FindingStatus.FIXED, FindingStatus.REOPENED, "")
        finding.updated_at = self.now
        self.changed.append(finding)

    def _close(self, finding: Finding, service: Service) -> None:
        version_changed = bool(finding.version) and finding.version not in (service.version or "")
        before = finding.status
        finding.status = FindingStatus.FIXED if version_changed else FindingStatus.FALSE_POSITIVE
        finding.fixed_at = self.now if version_changed else None
        finding.updated_at = self.now
        if not version_changed:
            finding.decision_reason = (
                "The vulnerability catalog no longer applies this CVE to this version."
            )
            finding.save(update_fields=["decision_reason"])
        self.changed.append(finding)
        self._event(
            finding,
            before,
            finding.status,
            "version changed" if version_changed else "catalog correction",
        )
        self.summary.closed += 1

    def _event(self, finding: Finding, before: str, after: str, reason: str) -> None:
        self.events.append(
            FindingEvent(
                establishment_id=finding.establishment_id,
                finding=finding,
                from_status=before,
                to_status=after,
                reason=reason,
            )
        )

    def _flush(self) -> None:
        Finding.objects.bulk_create(self.new, batch_size=500)
        for finding in self.new:
            self._event(
                finding, "", FindingStatus.NEW, "catalog update" if self.from_catalog else ""
            )
        Finding.objects.bulk_update(self.changed, UPDATED_FIELDS, batch_size=500)
        for start in range(0, len(self.observed), 900):
            Finding.objects.filter(pk__in=self.observed[start : start + 900]).update(
                last_seen=self.now
            )
        FindingEvent.objects.bulk_create(self.events, batch_size=1000)
        if self.from_catalog:
            Alert.objects.bulk_create(
                [
                    Alert(
                        establishment_id=f.establishment_id,
                        finding=f,
                        cve_id=f.key,
                        known_exploited=f.known_exploited,
                    )
                    for f in self.new
                ],
                batch_size=1000,
            )
            self.summary.alerts = len(self.new)
        if self.scan is not None:
            Observation.objects.bulk_create(
                [
                    Observation(
                        establishment_id=establishment_id,
                        finding_id=pk,
                        scan=self.scan,
                        result="present",
                        evidence=evidence,
                        severity=severity,
                    )
                    for pk, establishment_id, evidence, severity in [
                        *((f.pk, f.establishment_id, f.evidence, f.severity) for f in self.new),
                        *self.seen,
                    ]
                ],
                batch_size=1000,
                ignore_conflicts=True,
            )


def _evidence(match: Match, product: ProductVersion) -> str:
    """Why the finding exists, in the platform's language (findings are shared by every
    reader of an establishment; the source is named as the CVE pages name it)."""
    with translation.override(settings.LANGUAGE_CODE):
        parts = [
            _("%(product)s — the %(source)s rule applies to version %(version)s.")
            % {
                "product": product.label,
                "source": _rule_source(match.source),
                "version": product.version,
            }
        ]
        if product.distro_build:
            parts.append(
                _(
                    "Distribution build (%(build)s): fixes may have been backported, so a "
                    "match on the version alone is to be verified."
                )
                % {"build": product.distro_build}
            )
        if "requires_platform" in match.reasons:
            parts.append(_("The rule also requires a platform that was not confirmed."))
    return " ".join(parts)


def _rule_source(source: str) -> str:
    try:
        return str(CpeMatch.Source(source).label)
    except ValueError:
        return source


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
    return correlate_services(services, scan=scan)


def correlate_catalog_change(*, cve_ids: Iterable[str] | None = None) -> CorrelationSummary:
    """After an import or a sync: every open service running a product the changed CVEs name
    (all services when `cve_ids` is None)."""
    services = open_services()
    if cve_ids is not None:
        ids = list(set(cve_ids))
        if not ids:
            return CorrelationSummary()
        products: set[str] = set()
        for start in range(0, len(ids), 500):
            products.update(
                CpeMatch.objects.filter(cve__cve_id__in=ids[start : start + 500]).values_list(
                    "product", flat=True
                )
            )
        services = [s for s in services.iterator(chunk_size=2000) if _names_product(s, products)]
    summary = correlate_services(services, from_catalog=True)
    logger.info("catalog correlation: %s", summary)
    summary.watch_alerts = alerts_raise(cve_ids=cve_ids).alerts
    return summary


def _names_product(service: Service, products: set[str]) -> bool:
    return any(
        name in products
        for product in _service_products(service)
        for _vendor, name in product.candidates
    )
