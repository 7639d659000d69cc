"""The demo's threat watch: a catalog update a week ago (a CVE of the region's scanned
servers joins the KEV catalog, a CERT-FR avis about another one is published), the alerts it
raises through the real correlation, the members' follow-up and last week's bulletin.

The KEV entry and the avis are written like the importers write them (then the pending
correlation runs, as after an import); the avis is marked as the demo's in its title since
its reference is not a real CERT-FR one.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Count

from rempart.ops.demo.clock import Timeline
from rempart.scanning.choices import ACTIVE_STATUSES
from rempart.scanning.models import Finding
from rempart.threatwatch.alerts.bulletins import bulletin_build, week_of
from rempart.threatwatch.alerts.models import (
    AlertDelivery,
    EstablishmentAlert,
    WatchSubscription,
)
from rempart.threatwatch.alerts.services import alert_follow_up
from rempart.threatwatch.models import Advisory, AdvisoryCve, CpeMatch, Cve, KevEntry
from rempart.threatwatch.services.pending import pending_correlation_add, pending_correlation_run

UPDATE_DAYS_AGO = 8


def _spread_cves(count: int) -> list[str]:
    """The CVEs open on the most establishments, not yet known exploited."""
    rows = (
        Finding.objects.filter(check_id="cve", status__in=ACTIVE_STATUSES, known_exploited=False)
        .values("key")
        .annotate(places=Count("establishment", distinct=True))
        .order_by("-places", "key")
    )
    return [row["key"] for row in rows[:count]]


def _product(cve_id: str) -> tuple[str, str]:
    rule = CpeMatch.objects.filter(cve__cve_id=cve_id).values_list("vendor", "product").first()
    return rule or ("", "")


def catalog_update(*, timeline: Timeline) -> list[str]:
    """A KEV addition and a CERT-FR avis about CVEs of the region, then the correlation."""
    cves = _spread_cves(2)
    if not cves:
        return []
    with timeline.at(UPDATE_DAYS_AGO, 7) as moment:
        kev_cve = cves[0]
        vendor, product = _product(kev_cve)
        KevEntry.objects.create(
            cve_id=kev_cve,
            vendor_project=vendor.replace("_", " ").title(),
            product=product.replace("_", " ").title(),
            name=(Cve.objects.filter(cve_id=kev_cve).values_list("title", flat=True).first() or "")[
                :500
            ],
            date_added=moment.date(),
            due_date=moment.date() + dt.timedelta(days=21),
            required_action="Apply mitigations per vendor instructions or discontinue use of "
            "the product if mitigations are unavailable.",
        )
        Cve.objects.filter(cve_id=kev_cve).update(known_exploited=True)
        _advisory(cves[-1], moment)
        pending_correlation_add(cves)
        pending_correlation_run()
    return cves


def _advisory(cve_id: str, moment: dt.datetime) -> None:
    _vendor, product = _product(cve_id)
    name = product.replace("_", " ") or cve_id
    advisory = Advisory.objects.create(
        reference=f"CERTFR-{moment.year}-AVI-DEMO",
        kind=Advisory.Kind.AVIS,
        title=f"Vulnérabilité dans {name} (publication de démonstration)",
        summary=f"Une vulnérabilité a été découverte dans {name}. Elle permet à un attaquant "
        "de provoquer un déni de service à distance ou une atteinte à la confidentialité "
        "des données.",
        published=moment,
        cve_ids=[cve_id],
        affected_systems=[f"{name} (versions vulnérables)"],
    )
    AdvisoryCve.objects.create(advisory=advisory, cve_id=cve_id)


def follow_ups(*, people: dict[str, Any], places: dict[str, Any], timeline: Timeline) -> None:
    """Boulogne is on it, Nanterre fixed it; the others have not answered yet."""
    steps = (
        ("ch-boulogne", "in_progress", "Correctif en recette, déploiement prévu jeudi soir."),
        ("ch-nanterre", "fixed", "Mise à jour appliquée pendant la maintenance de mardi."),
    )
    for days_ago, (slug, status, reason) in zip((6, 4), steps, strict=True):
        alert = EstablishmentAlert.objects.filter(establishment=places[slug]).first()
        if alert is not None:
            with timeline.at(days_ago, 10):
                alert_follow_up(alert=alert, status=status, reason=reason, actor=people["rssi.ght"])


def watch_load(*, people: dict[str, Any], places: dict[str, Any], timeline: Timeline) -> None:
    """The whole threat-watch history of the demo (e-mails already sent a week ago)."""
    WatchSubscription.objects.get_or_create(user=people["admin"], kind="region", value="")
    WatchSubscription.objects.get_or_create(user=people["analyste"], kind="region", value="")
    if not catalog_update(timeline=timeline):
        return
    sent = timeline.moment(UPDATE_DAYS_AGO, 7.1)
    AlertDelivery.objects.filter(sent_at__isnull=True).update(sent_at=sent)
    EstablishmentAlert.objects.filter(webhook_sent_at__isnull=True).update(webhook_sent_at=sent)
    follow_ups(people=people, places=places, timeline=timeline)
    with timeline.at(1, 8):
        bulletin_build(week=week_of(timeline.today - dt.timedelta(days=UPDATE_DAYS_AGO)))
