"""What the establishment's PDF report shows (selectors; the establishment is already resolved).

The executive summary reads `EstablishmentStats`; the detailed part lists open findings
grouped by asset, with the remediation of the engine's check catalogue. The detailed part is
capped (`DETAIL_LIMIT`, most severe first): the XLSX export holds every finding.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Case, Count, IntegerField, Max, Min, Q, QuerySet, Value, When
from django.utils import timezone

from rempart.engine.checks import load_all
from rempart.scanning.check_texts import check_info
from rempart.scanning.choices import (
    ACTIVE_STATUSES,
    SEVERITY_RANK,
    AssetClass,
    FindingStatus,
    ScanStatus,
)
from rempart.scanning.models import Asset, Finding, Scan, Scope

DETAIL_LIMIT = 400
TOP_RISKS = 5
OVERDUE_LIMIT = 20
EVIDENCE_CHARS = 600
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")  # banners are raw bytes


def catalogue() -> dict[str, dict[str, Any]]:
    """The engine's check catalogue with its texts in the active language: {check id: …}."""
    return {check_id: info for check_id in load_all() if (info := check_info(check_id))}


def severity_rank() -> Case:
    whens = [When(severity=s, then=Value(rank)) for s, rank in SEVERITY_RANK.items()]
    return Case(*whens, default=Value(0), output_field=IntegerField())


@dataclass(frozen=True)
class TopRisk:
    """One kind of weakness, in plain words, with how many assets it touches."""

    check_id: str
    title: str
    severity: str
    assets: int
    findings: int
    known_exploited: bool
    description: str
    remediation: str


@dataclass(frozen=True)
class FindingItem:
    finding: Finding
    evidence: str
    remediation: str
    references: list[str]


@dataclass
class AssetSection:
    asset: Asset
    items: list[FindingItem] = field(default_factory=list)


@dataclass(frozen=True)
class ScanSummary:
    """What was scanned during the period, and when."""

    scans: int
    first: dt.datetime | None
    last: dt.datetime | None
    last_hosts_up: int
    last_services: int
    scopes: list[str]  # the scopes scanned during the period
    imports: int  # reports imported during the period (they have no scope)
    assets_by_class: list[tuple[str, int]]
    assets: int


def _open(findings: QuerySet[Finding]) -> QuerySet[Finding]:
    return findings.filter(status__in=ACTIVE_STATUSES)


def top_risks(findings: QuerySet[Finding], checks: dict[str, dict[str, Any]]) -> list[TopRisk]:
    """The worst kinds of open weaknesses (informational ones left out), one query."""
    rows = (
        _open(findings)
        .exclude(severity="info")
        .order_by()
        .values("check_id", "title_fr", "severity")
        .annotate(
            rank=Max(severity_rank()),
            assets=Count("asset", distinct=True),
            n=Count("pk"),
            kev=Count("pk", filter=Q(known_exploited=True)),
        )
        .order_by("-rank", "-kev", "-assets", "check_id")[:TOP_RISKS]
    )
    return [
        TopRisk(
            check_id=row["check_id"],
            title=row["title_fr"],
            severity=row["severity"],
            assets=row["assets"],
            findings=row["n"],
            known_exploited=row["kev"] > 0,
            description=checks.get(row["check_id"], {}).get("description", ""),
            remediation=checks.get(row["check_id"], {}).get("remediation", ""),
        )
        for row in rows
    ]


def overdue_findings(findings: QuerySet[Finding], now: dt.datetime) -> list[Finding]:
    """The most severe overdue findings first, the oldest deadline first within a severity."""
    overdue = _open(findings).filter(due_at__lt=now).select_related("asset")
    ordered = overdue.annotate(rank=severity_rank()).order_by("-rank", "due_at", "pk")
    return list(ordered[:OVERDUE_LIMIT])


def _item(finding: Finding, checks: dict[str, dict[str, Any]]) -> FindingItem:
    evidence = CONTROL_CHARACTERS.sub("", finding.evidence_text)
    if len(evidence) > EVIDENCE_CHARS:
        evidence = evidence[:EVIDENCE_CHARS] + " […]"
    check = checks.get(finding.check_id, {})
    references = [str(r) for r in (finding.references or check.get("references") or [])]
    return FindingItem(finding, evidence, check.get("remediation", ""), references[:3])


def findings_by_asset(
    findings: QuerySet[Finding], checks: dict[str, dict[str, Any]]
) -> tuple[list[AssetSection], int]:
    """Open findings grouped by asset, the assets holding the worst ones first; and the total
    number of open findings (the list stops at `DETAIL_LIMIT`)."""
    ordered = (
        _open(findings)
        .select_related("asset")
        .annotate(rank=severity_rank())
        .order_by("-rank", "-known_exploited", "asset__address", "port", "pk")
    )
    sections: dict[int, AssetSection] = {}
    for finding in ordered[:DETAIL_LIMIT]:
        section = sections.setdefault(finding.asset_id, AssetSection(finding.asset))
        section.items.append(_item(finding, checks))
    return list(sections.values()), _open(findings).count()


def scan_summary(establishment: Any, since: dt.datetime) -> ScanSummary:
    completed = Scan.objects.for_establishment(establishment).filter(status=ScanStatus.COMPLETED)
    period = completed.filter(finished_at__gte=since).aggregate(
        n=Count("pk"), first=Min("finished_at"), last=Max("finished_at")
    )
    last = completed.order_by("-finished_at").only("hosts_up", "services_found").first()
    in_period = completed.filter(finished_at__gte=since)
    scopes = Scope.objects.filter(pk__in=in_period.values("scope")).order_by("name")
    classes = (
        Asset.objects.for_establishment(establishment)
        .order_by()
        .values("asset_class")
        .annotate(n=Count("pk"))
    )
    by_class = sorted(
        ((str(AssetClass(r["asset_class"]).label), r["n"]) for r in classes),
        key=lambda item: -item[1],
    )
    return ScanSummary(
        scans=period["n"],
        first=period["first"],
        last=period["last"],
        last_hosts_up=last.hosts_up if last else 0,
        last_services=last.services_found if last else 0,
        scopes=list(scopes.values_list("name", flat=True)),
        imports=in_period.filter(scope__isnull=True).count(),
        assets_by_class=by_class,
        assets=sum(n for _label, n in by_class),
    )


ACCEPTED_LIMIT = 100


def accepted_risks(findings: QuerySet[Finding]) -> list[Finding]:
    """The accepted risks, most severe first: who decided, why, until when."""
    accepted = findings.filter(status=FindingStatus.ACCEPTED).select_related("asset", "decision_by")
    ordered = accepted.annotate(rank=severity_rank()).order_by("-rank", "accepted_until", "pk")
    return list(ordered[:ACCEPTED_LIMIT])


def report_sections(
    *, establishment: Any, since: dt.datetime, now: dt.datetime | None = None
) -> dict[str, Any]:
    """The report's lists: scan summary, top risks, overdue remediations, detail by asset."""
    now = now or timezone.now()
    findings = Finding.objects.for_establishment(establishment)
    checks = catalogue()
    sections, open_count = findings_by_asset(findings, checks)
    return {
        "scanned": scan_summary(establishment, since),
        "top_risks": top_risks(findings, checks),
        "overdue_list": overdue_findings(findings, now),
        "accepted": accepted_risks(findings),
        "asset_sections": sections,
        "detail_shown": sum(len(s.items) for s in sections),
        "detail_total": open_count,
    }
