"""Results of campaigns, pseudonymous and aggregated: the funnel, breakdowns by variant,
service and job family (groups under 5 people are not shown), report-before-click, time
to first report, and the scanner hits set apart with their reasons.

Everything is computed with indexed COUNT queries over targets and interactions; nothing
loads a campaign's rows into memory except the signals of flagged hits.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.db.models import Count, F, Min, Q, QuerySet

from rempart.phishing.choices import InteractionKind, TargetState
from rempart.phishing.models import Campaign, Interaction, Target

MIN_GROUP = 5  # no aggregate is shown for fewer people (re-identification)
STAGES = ("sent", "opened", "clicked", "submitted", "reported", "trained")


@dataclass
class Funnel:
    targets: int = 0
    sent: int = 0
    failed: int = 0
    queued: int = 0
    opened: int = 0
    clicked_raw: int = 0
    clicked: int = 0
    submitted: int = 0
    reported: int = 0
    trained: int = 0
    reported_before_click: int = 0
    first_report_after: timedelta | None = None
    scanner_hits: int = 0
    scanner_reasons: dict[str, int] = field(default_factory=dict)

    def rate(self, stage: str) -> float | None:
        value = getattr(self, stage)
        return round(100.0 * value / self.sent, 1) if self.sent else None

    @property
    def rates(self) -> dict[str, float | None]:
        return {stage: self.rate(stage) for stage in (*STAGES, "clicked_raw")}

    @property
    def suppressed(self) -> bool:
        return self.sent < MIN_GROUP


def _counts(targets: QuerySet[Target]) -> dict[str, Any]:
    return targets.aggregate(
        targets=Count("pk"),
        sent=Count("pk", filter=Q(state=TargetState.SENT)),
        failed=Count("pk", filter=Q(state=TargetState.FAILED)),
        queued=Count("pk", filter=Q(state=TargetState.QUEUED)),
        opened=Count("opened_at"),
        clicked=Count("confirmed_at"),
        submitted=Count("submitted_at"),
        reported=Count("reported_at"),
        trained=Count("trained_at"),
        reported_before_click=reported_before_click(),
    )


def reported_before_click() -> Count:
    """People who reported the message without having clicked it, or before clicking."""
    return Count(
        "pk",
        filter=Q(reported_at__isnull=False)
        & (Q(confirmed_at__isnull=True) | Q(reported_at__lt=F("confirmed_at"))),
    )


def campaign_funnel(campaign: Campaign) -> Funnel:
    targets = Target.objects.for_establishment(campaign.establishment).filter(campaign=campaign)
    funnel = Funnel(**_counts(targets))
    clicks = Interaction.objects.for_establishment(campaign.establishment).filter(
        campaign=campaign, kind=InteractionKind.CLICK
    )
    funnel.clicked_raw = clicks.values("target").distinct().count()
    flagged = Interaction.objects.for_establishment(campaign.establishment).filter(
        campaign=campaign, scanner=True
    )
    reasons: Counter[str] = Counter()
    for signals in flagged.values_list("signals", flat=True).iterator(chunk_size=2000):
        reasons.update(signals)
        funnel.scanner_hits += 1
    funnel.scanner_reasons = dict(reasons.most_common())
    first = targets.aggregate(sent=Min("sent_at"), reported=Min("reported_at"))
    if first["sent"] and first["reported"]:
        funnel.first_report_after = first["reported"] - first["sent"]
    return funnel


@dataclass(frozen=True)
class Row:
    label: str
    funnel: Funnel


def breakdown(campaign: Campaign, dimension: str) -> list[Row]:
    """The funnel by `variant`, `department` or `job_family`; groups under MIN_GROUP
    people are merged into one "other" row (itself hidden when still too small)."""
    key = {"variant": "variant__label", "department": "department", "job_family": "job_family"}[
        dimension
    ]
    targets = Target.objects.for_establishment(campaign.establishment).filter(campaign=campaign)
    rows: list[Row] = []
    small = Funnel()
    for values in targets.values(key).annotate(**funnel_annotations()).order_by(key):
        funnel = Funnel(**{k: v for k, v in values.items() if k != key})
        if funnel.sent >= MIN_GROUP or dimension == "variant":
            rows.append(Row(str(values[key] or "—"), funnel))
        else:
            for name in ("targets", "sent", "clicked", "submitted", "reported", "trained"):
                setattr(small, name, getattr(small, name) + getattr(funnel, name))
    if small.targets:
        rows.append(Row("", small))
    return rows


def funnel_annotations() -> dict[str, Any]:
    """The funnel's counts per group of targets (`.values(…).annotate(**…)`)."""
    return {
        "targets": Count("pk"),
        "sent": Count("pk", filter=Q(state=TargetState.SENT)),
        "opened": Count("opened_at"),
        "clicked": Count("confirmed_at"),
        "submitted": Count("submitted_at"),
        "reported": Count("reported_at"),
        "trained": Count("trained_at"),
    }


def campaigns_compared(
    campaigns: QuerySet[Campaign] | Sequence[Campaign],
) -> list[tuple[Campaign, Funnel]]:
    """One funnel line per campaign (list pages and comparisons), two queries in all."""
    by_campaign = {
        values["campaign"]: Funnel(**{k: v for k, v in values.items() if k != "campaign"})
        for values in Target.objects.filter(campaign__in=campaigns)
        .values("campaign")
        .annotate(**funnel_annotations())
        .order_by()
    }
    return [(campaign, by_campaign.get(campaign.pk, Funnel())) for campaign in campaigns]
