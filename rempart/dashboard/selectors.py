"""Dashboard figures. Modules add their counts here as they land (scans, findings…).

Vulnerability figures come from `rempart.scanning.stats` (selectors), given establishments
already resolved through the access module."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q

from rempart.audit.display import present
from rempart.audit.selectors import audit_entry_list
from rempart.core.actions import Action
from rempart.jobs.selectors import job_list
from rempart.scanning.charts import by_establishment_chart, trend_chart
from rempart.scanning.stats import GroupLine, establishment_headline, regional_stats
from rempart.tenancy import access
from rempart.tenancy.models import Establishment, EstablishmentGroup
from rempart.tenancy.selectors import membership_list, regional_counts

RECENT = 8


def establishment_overview(*, user: Any, establishment: Establishment) -> dict[str, Any]:
    """What the establishment dashboard shows."""
    can_manage = access.can(user, Action.MANAGE, establishment)
    return {
        "members": membership_list(user=user, establishment=establishment),
        "sites": establishment.tenancy_site_set.all(),
        "contacts": establishment.tenancy_contact_set.all(),
        "recent_jobs": job_list(user=user, establishment=establishment)[:RECENT],
        "recent_audit": (
            present(audit_entry_list(user=user, filters={"establishment": establishment})[:RECENT])
            if can_manage
            else []
        ),
        "can_change": access.can(user, Action.CHANGE, establishment),
        "can_manage": can_manage,
        "vulnerabilities": establishment_headline(establishment=establishment),
    }


def regional_overview(*, user: Any) -> dict[str, Any]:
    """Counts per establishment and per group, over the user's perimeter."""
    establishments = list(regional_counts(user=user))
    visible_ids = [e.pk for e in establishments]
    vulnerabilities = regional_stats(establishments=establishments)
    groups = (
        EstablishmentGroup.objects.filter(establishments__in=visible_ids)
        .annotate(
            establishment_count=Count(
                "establishments", filter=Q(establishments__in=visible_ids), distinct=True
            ),
            member_count=Count(
                "establishments__tenancy_membership_set",
                filter=Q(establishments__in=visible_ids),
                distinct=True,
            ),
        )
        .distinct()
        .order_by("name")
    )
    return {
        "establishments": establishments,
        "groups": groups,
        "totals": {
            "establishments": len(establishments),
            "members": sum(getattr(e, "member_count", 0) for e in establishments),
            "categories": _by_category(establishments),
        },
        "vulnerabilities": vulnerabilities,
        "group_rows": _group_rows(groups, vulnerabilities.groups),
        "charts": {
            "trend": trend_chart(vulnerabilities.trend, chart_id="chart-regional-trend"),
            "establishments": by_establishment_chart(
                [
                    (line.establishment.name, line.open_by_severity)
                    for line in vulnerabilities.establishments
                    if line.open_total
                ],
                chart_id="chart-regional-establishments",
                width=560,
            ),
        },
    }


def _group_rows(groups: Any, lines: list[GroupLine]) -> list[tuple[Any, GroupLine | None]]:
    """Each group with its vulnerability figures (`None` as group: establishments without)."""
    by_pk = {line.group.pk if line.group else None: line for line in lines}
    rows: list[tuple[Any, GroupLine | None]] = [(group, by_pk.get(group.pk)) for group in groups]
    if None in by_pk:
        rows.append((None, by_pk[None]))
    return rows


def _by_category(establishments: list[Establishment]) -> list[tuple[str, int]]:
    counts: dict[str, int] = {}
    for establishment in establishments:
        label = establishment.get_category_display()
        counts[label] = counts.get(label, 0) + 1
    return sorted(counts.items())
