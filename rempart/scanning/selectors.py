"""Reads of the scanning app, always scoped through `visible_to` (or a resolved scan)."""

from __future__ import annotations

import gzip
import json
from itertools import islice
from typing import Any
from uuid import UUID

from django.db.models import Case, Count, IntegerField, Q, QuerySet, Value, When
from django.http import Http404

from rempart.core.actions import Action
from rempart.engine.model import Host as EngineHost
from rempart.engine.model import ScanResult
from rempart.scanning.choices import ACTIVE_STATUSES
from rempart.scanning.choices import SEVERITY_RANK as RANKS
from rempart.scanning.importers.nmap import read_spool
from rempart.scanning.models import Asset, Finding, Observation, Scan, Scope

EXPORT_FIELDS = (
    "host",
    "port",
    "protocol",
    "check",
    "title",
    "severity",
    "confidence",
    "cves",
    "known_exploited",
    "evidence",
    "product",
    "version",
    "cpe",
)


def finding_as_dict(finding: Finding, evidence: str | None = None) -> dict[str, Any]:
    """The public form of a finding (CLI contract, API, exports)."""
    return {
        "host": finding.asset.address,
        "port": finding.port,
        "protocol": finding.protocol or None,
        "check": finding.check_id,
        "title": finding.title,
        "severity": finding.severity,
        "confidence": finding.confidence,
        "cves": list(finding.cves),
        "known_exploited": finding.known_exploited,
        "epss": finding.epss,
        "priority": finding.priority,
        "evidence": evidence if evidence is not None else finding.evidence,
        "product": finding.product,
        "version": finding.version,
        "cpe": finding.cpe,
    }


def scan_findings_export(*, scan: Scan) -> list[dict[str, Any]]:
    """The findings a scan observed present, with the evidence of that scan."""
    observations = (
        Observation.objects.filter(scan=scan, result="present")
        .select_related("finding__asset")
        .order_by("finding__asset__address", "finding__port")
    )
    return [finding_as_dict(o.finding, o.evidence) for o in observations]


def scan_observed_findings(*, scan: Scan) -> list[Observation]:
    """The findings a scan observed present, most severe first, with that scan's evidence."""
    observations = list(
        Observation.objects.filter(scan=scan, result="present").select_related("finding__asset")
    )
    observations.sort(
        key=lambda o: (
            -RANKS.get(o.severity or o.finding.severity, 0),
            o.finding.asset.address,
            o.finding.port or 0,
        )
    )
    return observations


def scan_hosts(*, scan: Scan, limit: int = 200) -> tuple[list[EngineHost], int]:
    """The first hosts a scan saw (with their services), read from its raw result, and how
    many there are in all."""
    if not scan.result_file:
        return [], 0
    try:
        with scan.result_file.open("rb") as stream:
            if str(scan.result_file.name).endswith(".hosts.jsonl.gz"):
                header, hosts = read_spool(stream)
                return list(islice(hosts, limit)), header.kept
            result = ScanResult.from_dict(json.loads(gzip.decompress(stream.read())))
    except (OSError, ValueError):
        return [], 0
    return result.hosts[:limit], len(result.hosts)


def _get(queryset: QuerySet[Any], establishment: Any = None, **lookup: Any) -> Any:
    """One row of `queryset` (already scoped), of `establishment` when given; else 404."""
    if establishment is not None:
        queryset = queryset.filter(establishment=establishment)
    try:
        return queryset.get(**lookup)
    except queryset.model.DoesNotExist as exc:
        raise Http404 from exc


def scope_list(*, user: Any, establishment: Any) -> QuerySet[Scope]:
    result: QuerySet[Scope] = (
        Scope.objects.visible_to(user)
        .filter(establishment=establishment)
        .annotate(scan_count=Count("scans", distinct=True))
    )
    return result


def scope_get(
    *, user: Any, public_id: UUID, action: Action = Action.VIEW, establishment: Any = None
) -> Scope:
    result: Scope = _get(
        Scope.objects.visible_to(user, action=action), establishment, public_id=public_id
    )
    return result


def scan_list(*, user: Any, establishment: Any = None) -> QuerySet[Scan]:
    scans = Scan.objects.visible_to(user).select_related("scope", "requested_by", "job")
    return scans.filter(establishment=establishment) if establishment is not None else scans


def scan_get(
    *, user: Any, public_id: UUID, action: Action = Action.VIEW, establishment: Any = None
) -> Scan:
    result: Scan = _get(
        Scan.objects.visible_to(user, action=action).select_related("scope", "job"),
        establishment,
        public_id=public_id,
    )
    return result


def asset_list(*, user: Any, establishment: Any = None) -> QuerySet[Asset]:
    assets = Asset.objects.visible_to(user).annotate(
        open_findings=Count(
            "findings", filter=Q(findings__status__in=ACTIVE_STATUSES), distinct=True
        ),
        service_count=Count("services", filter=Q(services__is_open=True), distinct=True),
    )
    result: QuerySet[Asset] = (
        assets.filter(establishment=establishment) if establishment is not None else assets
    )
    return result


def asset_get(
    *, user: Any, public_id: UUID, action: Action = Action.VIEW, establishment: Any = None
) -> Asset:
    result: Asset = _get(
        Asset.objects.visible_to(user, action=action), establishment, public_id=public_id
    )
    return result


SEVERITY_RANK = Case(
    When(severity="critical", then=Value(4)),
    When(severity="high", then=Value(3)),
    When(severity="medium", then=Value(2)),
    When(severity="low", then=Value(1)),
    default=Value(0),
    output_field=IntegerField(),
)


def finding_list(*, user: Any, establishment: Any = None) -> QuerySet[Finding]:
    """Findings in reach, with `severity_rank` (4 critical … 0 info) for ordering."""
    findings: QuerySet[Finding] = (
        Finding.objects.visible_to(user)
        .select_related("asset", "assignee")
        .annotate(severity_rank=SEVERITY_RANK)
    )
    return findings.filter(establishment=establishment) if establishment is not None else findings


def finding_get(
    *, user: Any, public_id: UUID, action: Action = Action.VIEW, establishment: Any = None
) -> Finding:
    result: Finding = _get(
        Finding.objects.visible_to(user, action=action).select_related(
            "asset", "service", "assignee", "decision_by"
        ),
        establishment,
        public_id=public_id,
    )
    return result


def exclusion_list(*, user: Any, establishment: Any) -> QuerySet[Any]:
    from rempart.scanning.models import Exclusion  # noqa: PLC0415

    return Exclusion.objects.visible_to(user).filter(establishment=establishment)


def scoped_object_get(
    *, user: Any, model: Any, public_id: UUID, establishment: Any, action: Action = Action.MANAGE
) -> Any:
    """A scope, exclusion, window or schedule of `establishment` the user may act on."""
    return _get(model.objects.visible_to(user, action=action), establishment, public_id=public_id)


def authorisation_get(*, user: Any, public_id: UUID, establishment: Any) -> Any:
    from rempart.scanning.models import ScopeAuthorisation  # noqa: PLC0415

    return _get(ScopeAuthorisation.objects.visible_to(user), establishment, public_id=public_id)
