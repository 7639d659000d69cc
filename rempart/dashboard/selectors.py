"""Dashboard figures. Modules add their counts here as they land (scans, findings…)."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q

from rempart.audit.selectors import audit_entry_list
from rempart.core.actions import Action
from rempart.jobs.selectors import job_list
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
            audit_entry_list(user=user, filters={"establishment": establishment})[:RECENT]
            if can_manage
            else []
        ),
        "can_change": access.can(user, Action.CHANGE, establishment),
        "can_manage": can_manage,
    }


def regional_overview(*, user: Any) -> dict[str, Any]:
    """Counts per establishment and per group, over the user's perimeter."""
    establishments = list(regional_counts(user=user))
    visible_ids = [e.pk for e in establishments]
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
    }


def _by_category(establishments: list[Establishment]) -> list[tuple[str, int]]:
    counts: dict[str, int] = {}
    for establishment in establishments:
        label = establishment.get_category_display()
        counts[label] = counts.get(label, 0) + 1
    return sorted(counts.items())
