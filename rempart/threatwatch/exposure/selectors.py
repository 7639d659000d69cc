"""Reads of the exposure view: who is affected by a CVE or a CERT-FR publication.

Every registered source answers (`exposures_for`); only the establishments the reader may
see are kept (the operator's perimeter, a member's own establishments). The follow-up state
of the matching alert, if one was raised, is shown beside each establishment.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.http import Http404

from rempart.tenancy.models import Establishment
from rempart.tenancy.selectors import establishment_list
from rempart.threatwatch.exposure import ExposureItem, exposures_for
from rempart.threatwatch.models import Advisory, Cve, EstablishmentAlert, KevEntry

CONFIDENCE_RANK = {"confirmed": 0, "firm": 1, "tentative": 2}


def best_confidence(items: list[ExposureItem]) -> str:
    """The surest confidence of these items ("" when none)."""
    ranked = sorted((CONFIDENCE_RANK.get(i.confidence, 3), i.confidence) for i in items)
    return ranked[0][1] if ranked else ""


@dataclass
class EstablishmentExposure:
    """One establishment's affected items (assets, services, declared products)."""

    establishment: Establishment
    items: list[ExposureItem] = field(default_factory=list)
    alert: EstablishmentAlert | None = None

    @property
    def confidence(self) -> str:
        return best_confidence(self.items)

    @property
    def cve_ids(self) -> list[str]:
        return sorted({item.cve_id for item in self.items})


def exposure_list(*, user: Any, cve_ids: list[str]) -> list[EstablishmentExposure]:
    """Per visible establishment, what these CVEs affect, surest first."""
    visible = {e.pk: e for e in establishment_list(user=user)}
    grouped: dict[int, EstablishmentExposure] = {}
    for item in exposures_for(cve_ids):
        establishment = visible.get(item.establishment_id)
        if establishment is not None:
            grouped.setdefault(item.establishment_id, EstablishmentExposure(establishment))
            grouped[item.establishment_id].items.append(item)
    _attach_alerts(grouped, cve_ids)
    return sorted(
        grouped.values(),
        key=lambda e: (CONFIDENCE_RANK.get(e.confidence, 3), e.establishment.name),
    )


def _attach_alerts(grouped: dict[int, EstablishmentExposure], cve_ids: list[str]) -> None:
    """The alert of each establishment for these CVEs (the most recent), for its state."""
    if not grouped:
        return
    alerts = EstablishmentAlert.objects.filter(
        establishment_id__in=list(grouped), event__reference__in=cve_ids
    ).select_related("event")
    for alert in alerts.order_by("created_at"):
        grouped[alert.establishment_id].alert = alert


def advisory_alerts(
    *, exposures: list[EstablishmentExposure], reference: str
) -> list[EstablishmentExposure]:
    """Attach the alerts raised for a CERT-FR publication (their state) to its exposure."""
    by_id = {e.establishment.pk: e for e in exposures}
    alerts = EstablishmentAlert.objects.filter(
        establishment_id__in=list(by_id), event__kind="certfr", event__reference=reference
    )
    for alert in alerts:
        by_id[alert.establishment_id].alert = alert
    return exposures


def cve_exposure(*, user: Any, cve_id: str) -> dict[str, Any]:
    """The exposure page of one CVE (404 when the catalog does not know it)."""
    cve = Cve.objects.filter(cve_id=cve_id.upper()).first()
    if cve is None:
        raise Http404
    exposures = exposure_list(user=user, cve_ids=[cve.cve_id])
    return {
        "cve": cve,
        "kev": KevEntry.objects.filter(cve_id=cve.cve_id).first(),
        "exposures": exposures,
        "item_count": sum(len(e.items) for e in exposures),
    }


def advisory_exposure(*, user: Any, reference: str) -> dict[str, Any]:
    """The exposure page of a CERT-FR publication: every one of its CVEs."""
    advisory = Advisory.objects.filter(reference=reference.upper()).first()
    if advisory is None:
        raise Http404
    cve_ids = sorted({c.upper() for c in advisory.cve_ids})
    exposures = advisory_alerts(
        exposures=exposure_list(user=user, cve_ids=cve_ids), reference=advisory.reference
    )
    by_cve: dict[str, int] = defaultdict(int)
    for exposure in exposures:
        for cve_id in exposure.cve_ids:
            by_cve[cve_id] += 1
    return {
        "advisory": advisory,
        "cve_ids": cve_ids,
        "exposures": exposures,
        "item_count": sum(len(e.items) for e in exposures),
        "by_cve": sorted(by_cve.items()),
    }
