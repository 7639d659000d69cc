"""Vulnerability statistics (selectors) for dashboards, the regional view and reports.

Callers pass establishments already resolved through the access module (`establishment_view`,
`establishment_list(user=…)`); nothing here decides who may see what.

Definitions:
- *open now*: status new, open or reopened (an accepted risk is counted apart);
- *present on a date* (trend): first seen on or before the date, not fixed by then
  (`fixed_at` empty or later), and not a false positive. Accepted risks are still present;
- *overdue*: open now and past its remediation deadline (`due_at`);
- *time to remediate*: `fixed_at - first_seen` of the findings fixed during the period.

The trend is computed by the database in one grouped query (one conditional count per week),
so the cost does not grow with the number of findings on the Python side.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from django.db.models import Case, Count, IntegerField, Max, Q, QuerySet, Sum, Value, When
from django.utils import timezone

from rempart.scanning.choices import ACTIVE_STATUSES, AssetClass, FindingStatus, ScanStatus
from rempart.scanning.models import Asset, Finding, Scan

SEVERITY_ORDER = ("critical", "high", "medium", "low", "info")
# Weights of the "most vulnerable assets" ranking: one critical outweighs two highs.
SEVERITY_WEIGHT = {"critical": 10, "high": 5, "medium": 2, "low": 1, "info": 0}
RECENT_DAYS = 30
MAX_WEEKS = 52
TOP_ASSETS = 10


def severity_counts() -> dict[str, int]:
    """Zero for every severity, most severe first."""
    return dict.fromkeys(SEVERITY_ORDER, 0)


@dataclass(frozen=True)
class TrendPoint:
    """Findings present at one instant, by severity."""

    at: dt.datetime
    counts: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.counts.values())


@dataclass(frozen=True)
class AssetRisk:
    """An asset of the "most vulnerable" ranking."""

    public_id: UUID
    address: str
    name: str
    asset_class: str
    score: int
    counts: dict[str, int]

    @property
    def label(self) -> str:
        return f"{self.name} ({self.address})" if self.name else self.address

    @property
    def asset_class_label(self) -> str:
        return str(AssetClass(self.asset_class).label) if self.asset_class else ""


@dataclass(frozen=True)
class EstablishmentStats:
    """Every figure of an establishment's vulnerability dashboard and report."""

    weeks: int
    computed_at: dt.datetime
    open_by_severity: dict[str, int]
    accepted: int
    overdue: int
    new_recent: int
    fixed_recent: int
    trend: list[TrendPoint]
    by_asset_class: list[tuple[str, dict[str, int]]]
    mttr_days: float | None
    mttr_by_severity: dict[str, float | None]
    fixed_in_period: int
    top_assets: list[AssetRisk]
    assets: int
    last_scan: dt.datetime | None
    recent_days: int = RECENT_DAYS

    @property
    def open_total(self) -> int:
        return sum(self.open_by_severity.values())

    @property
    def period_start(self) -> dt.datetime:
        return self.computed_at - dt.timedelta(weeks=self.weeks)


def trend_instants(weeks: int, now: dt.datetime) -> list[dt.datetime]:
    """One instant per week, the last one being `now`."""
    return [now - dt.timedelta(weeks=weeks - 1 - index) for index in range(weeks)]


def _clamp_weeks(weeks: int) -> int:
    return max(1, min(int(weeks), MAX_WEEKS))


def _present_on(at: dt.datetime) -> Q:
    return Q(first_seen__lte=at) & (Q(fixed_at__isnull=True) | Q(fixed_at__gt=at))


def _severity_aggregates(instants: Sequence[dt.datetime], now: dt.datetime) -> dict[str, Any]:
    active = Q(status__in=ACTIVE_STATUSES)
    recent = now - dt.timedelta(days=RECENT_DAYS)
    aggregates: dict[str, Any] = {
        "open": Count("pk", filter=active),
        "accepted": Count("pk", filter=Q(status=FindingStatus.ACCEPTED)),
        "overdue": Count("pk", filter=active & Q(due_at__lt=now)),
        "new_recent": Count("pk", filter=Q(first_seen__gte=recent)),
        "fixed_recent": Count("pk", filter=Q(status=FindingStatus.FIXED, fixed_at__gte=recent)),
    }
    for index, at in enumerate(instants):
        aggregates[f"w{index}"] = Count("pk", filter=_present_on(at))
    return aggregates


def severity_rows(
    findings: QuerySet[Finding],
    group: tuple[str, ...],
    instants: Sequence[dt.datetime],
    now: dt.datetime,
) -> list[dict[str, Any]]:
    """One row per `group` value (e.g. severity): open, accepted, overdue, new and fixed in the
    last 30 days, and `w0…wN` the findings present at each instant. One query."""
    base = findings.exclude(status=FindingStatus.FALSE_POSITIVE).order_by()
    return list(base.values(*group).annotate(**_severity_aggregates(instants, now)))


def _sum_by_severity(rows: Iterable[dict[str, Any]], key: str) -> dict[str, int]:
    counts = severity_counts()
    for row in rows:
        counts[row["severity"]] = counts.get(row["severity"], 0) + int(row[key])
    return counts


def trend_from_rows(
    rows: Sequence[dict[str, Any]], instants: Sequence[dt.datetime]
) -> list[TrendPoint]:
    return [
        TrendPoint(at=at, counts=_sum_by_severity(rows, f"w{index}"))
        for index, at in enumerate(instants)
    ]


def _mttr(findings: QuerySet[Finding], since: dt.datetime) -> tuple[dict[str, list[float]], int]:
    """Days to remediate of the findings fixed since `since`, per severity."""
    fixed = findings.filter(status=FindingStatus.FIXED, fixed_at__gte=since).order_by()
    days: dict[str, list[float]] = {severity: [] for severity in SEVERITY_ORDER}
    count = 0
    for severity, first_seen, fixed_at in fixed.values_list("severity", "first_seen", "fixed_at"):
        if fixed_at is None:
            continue
        days.setdefault(severity, []).append(
            max((fixed_at - first_seen).total_seconds(), 0) / 86400
        )
        count += 1
    return days, count


def _mean(values: Sequence[float]) -> float | None:
    return round(sum(values) / len(values), 1) if values else None


def _by_asset_class(findings: QuerySet[Finding]) -> list[tuple[str, dict[str, int]]]:
    rows = (
        findings.filter(status__in=ACTIVE_STATUSES)
        .order_by()
        .values("asset__asset_class", "severity")
        .annotate(n=Count("pk"))
    )
    classes: dict[str, dict[str, int]] = {}
    for row in rows:
        counts = classes.setdefault(row["asset__asset_class"], severity_counts())
        counts[row["severity"]] = row["n"]
    return sorted(classes.items(), key=lambda item: (-sum(item[1].values()), item[0]))


def _score() -> Sum:
    whens = [When(severity=s, then=Value(w)) for s, w in SEVERITY_WEIGHT.items()]
    return Sum(Case(*whens, default=Value(0), output_field=IntegerField()))


def top_assets(findings: QuerySet[Finding], limit: int = TOP_ASSETS) -> list[AssetRisk]:
    """Assets ranked by the weighted sum of their open findings (one query)."""
    counts = {f"n_{s}": Count("pk", filter=Q(severity=s)) for s in SEVERITY_ORDER}
    rows: Any = (
        findings.filter(status__in=ACTIVE_STATUSES)
        .order_by()
        .values("asset__public_id", "asset__address", "asset__name", "asset__asset_class")
        .annotate(score=_score(), **counts)
        .filter(score__gt=0)
        .order_by("-score", "asset__address")[:limit]
    )
    return [
        AssetRisk(
            public_id=row["asset__public_id"],
            address=row["asset__address"],
            name=row["asset__name"],
            asset_class=row["asset__asset_class"],
            score=row["score"],
            counts={s: row[f"n_{s}"] for s in SEVERITY_ORDER},
        )
        for row in rows
    ]


def last_scan_at(establishment: Any) -> dt.datetime | None:
    scans = Scan.objects.for_establishment(establishment).filter(status=ScanStatus.COMPLETED)
    last: dt.datetime | None = scans.aggregate(last=Max("finished_at"))["last"]
    return last


def establishment_stats(
    *, establishment: Any, weeks: int = 12, now: dt.datetime | None = None
) -> EstablishmentStats:
    """The vulnerability figures of one establishment (six queries, whatever its size)."""
    now = now or timezone.now()
    weeks = _clamp_weeks(weeks)
    instants = trend_instants(weeks, now)
    findings = Finding.objects.for_establishment(establishment)
    rows = severity_rows(findings, ("severity",), instants, now)
    mttr, fixed_count = _mttr(findings, now - dt.timedelta(weeks=weeks))
    return EstablishmentStats(
        weeks=weeks,
        computed_at=now,
        open_by_severity=_sum_by_severity(rows, "open"),
        accepted=sum(row["accepted"] for row in rows),
        overdue=sum(row["overdue"] for row in rows),
        new_recent=sum(row["new_recent"] for row in rows),
        fixed_recent=sum(row["fixed_recent"] for row in rows),
        trend=trend_from_rows(rows, instants),
        by_asset_class=_by_asset_class(findings),
        mttr_days=_mean([d for values in mttr.values() for d in values]),
        mttr_by_severity={s: _mean(mttr.get(s, [])) for s in SEVERITY_ORDER},
        fixed_in_period=fixed_count,
        top_assets=top_assets(findings),
        assets=Asset.objects.for_establishment(establishment).count(),
        last_scan=last_scan_at(establishment),
    )


def establishment_headline(*, establishment: Any, now: dt.datetime | None = None) -> dict[str, Any]:
    """The two figures of the establishment's home dashboard, in one query: open findings by
    severity (and overdue ones) and the number of known (scanned) assets."""
    now = now or timezone.now()
    active = Q(findings__status__in=ACTIVE_STATUSES)
    counts = {s: Count("findings", filter=active & Q(findings__severity=s)) for s in SEVERITY_ORDER}
    figures = Asset.objects.for_establishment(establishment).aggregate(
        assets=Count("pk", distinct=True),
        overdue=Count("findings", filter=active & Q(findings__due_at__lt=now)),
        **counts,
    )
    by_severity = {s: int(figures[s]) for s in SEVERITY_ORDER}
    return {
        "assets": figures["assets"],
        "overdue": figures["overdue"],
        "open_by_severity": by_severity,
        "open_total": sum(by_severity.values()),
    }


@dataclass
class EstablishmentLine:
    """One establishment of the regional view."""

    establishment: Any
    open_by_severity: dict[str, int] = field(default_factory=severity_counts)
    overdue: int = 0
    last_scan: dt.datetime | None = None

    @property
    def open_total(self) -> int:
        return sum(self.open_by_severity.values())


@dataclass
class GroupLine:
    """One group (GHT) of the regional view, or the establishments without a group."""

    group: Any
    establishments: int = 0
    never_scanned: int = 0
    open_by_severity: dict[str, int] = field(default_factory=severity_counts)
    overdue: int = 0
    last_scan: dt.datetime | None = None

    @property
    def open_total(self) -> int:
        return sum(self.open_by_severity.values())

    def add(self, line: EstablishmentLine) -> None:
        self.establishments += 1
        self.overdue += line.overdue
        for severity, count in line.open_by_severity.items():
            self.open_by_severity[severity] += count
        if line.last_scan is None:
            self.never_scanned += 1
        elif self.last_scan is None or line.last_scan > self.last_scan:
            self.last_scan = line.last_scan


@dataclass(frozen=True)
class RegionalStats:
    """Per establishment and per group figures, and the regional trend."""

    establishments: list[EstablishmentLine]
    groups: list[GroupLine]
    trend: list[TrendPoint]
    open_by_severity: dict[str, int]
    overdue: int
    weeks: int

    @property
    def open_total(self) -> int:
        return sum(self.open_by_severity.values())


def _lines(
    establishments: Sequence[Any], rows: Sequence[dict[str, Any]], last_scans: dict[int, Any]
) -> list[EstablishmentLine]:
    lines = {e.pk: EstablishmentLine(e, last_scan=last_scans.get(e.pk)) for e in establishments}
    for row in rows:
        line = lines[row["establishment_id"]]
        line.open_by_severity[row["severity"]] += row["open"]
        line.overdue += row["overdue"]
    return list(lines.values())


def _groups(lines: Sequence[EstablishmentLine]) -> list[GroupLine]:
    groups: dict[Any, GroupLine] = {}
    for line in lines:
        group = line.establishment.group
        groups.setdefault(group.pk if group else None, GroupLine(group)).add(line)
    return sorted(groups.values(), key=lambda g: (g.group is None, str(g.group or "")))


def regional_stats(
    *, establishments: Sequence[Any], weeks: int = 12, now: dt.datetime | None = None
) -> RegionalStats:
    """Figures of establishments already resolved by the access module (two queries).

    `establishments` should come with their group (`select_related("group")`)."""
    now = now or timezone.now()
    weeks = _clamp_weeks(weeks)
    instants = trend_instants(weeks, now)
    ids = [e.pk for e in establishments]
    findings = Finding.objects.filter(establishment__in=ids)
    rows = severity_rows(findings, ("establishment_id", "severity"), instants, now)
    scans = Scan.objects.filter(establishment__in=ids, status=ScanStatus.COMPLETED).order_by()
    last_scans = dict(
        scans.values("establishment_id")
        .annotate(last=Max("finished_at"))
        .values_list("establishment_id", "last")
    )
    lines = _lines(establishments, rows, last_scans)
    return RegionalStats(
        establishments=lines,
        groups=_groups(lines),
        trend=trend_from_rows(rows, instants),
        open_by_severity=_sum_by_severity(rows, "open"),
        overdue=sum(row["overdue"] for row in rows),
        weeks=weeks,
    )
