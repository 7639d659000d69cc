"""Raising alerts after a catalog change: new KEV entries, new CERT-FR publications and
CVEs newly affecting members, met with every exposure source.

Called at the end of `correlate_catalog_change` (so that findings, and any declared-product
matching refreshed before, are up to date), in its transaction. Idempotent: an event is
recorded once per (kind, reference) and an alert once per (establishment, event), so a
replayed update raises nothing again. The e-mails and webhooks are sent after the commit.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from rempart.threatwatch.alerts import recipients
from rempart.threatwatch.alerts.models import EstablishmentAlert, WatchEvent
from rempart.threatwatch.exposure import ExposureItem, exposures_for
from rempart.threatwatch.exposure.selectors import best_confidence
from rempart.threatwatch.models import Advisory, AdvisoryCve, Alert, Cve, KevEntry

logger = logging.getLogger(__name__)
CHUNK = 500
NEW_CVE_LIMIT = 5000  # past this many changed CVEs (a whole-catalog import), no "new CVE" events
ITEMS_KEPT = 200  # affected items stored per alert (the exposure page lists them all)


@dataclass
class RaiseSummary:
    events: int = 0
    alerts: int = 0
    deliveries: int = 0
    establishments: list[int] = field(default_factory=list)


def alerts_raise(*, cve_ids: Iterable[str] | None = None) -> RaiseSummary:
    """Record the catalog's new events, raise one alert per affected establishment and
    event, and queue the notifications (sent after the commit)."""
    with transaction.atomic(), translation.override(settings.LANGUAGE_CODE):
        events = _new_events(cve_ids)
        if not events:
            return RaiseSummary()
        exposure = _exposure({c for event in events for c in event.cve_ids})
        events = [e for e in events if e.kind != WatchEvent.Kind.CVE or exposure.get(e.reference)]
        for event in events:
            event.exposed_count = len(_per_establishment(event, exposure))
        WatchEvent.objects.bulk_create(events, batch_size=CHUNK, ignore_conflicts=True)
        stored = _stored(events)
        alerts = _alerts(stored, exposure)
        Alert.objects.filter(notified_at__isnull=True).update(notified_at=timezone.now())
        summary = RaiseSummary(events=len(stored), alerts=len(alerts))
        summary.establishments = sorted({a.establishment_id for a in alerts})
        summary.deliveries = recipients.deliveries_create(events=stored, alerts=alerts)
        transaction.on_commit(lambda: _notify(summary))
    logger.info("threat-watch alerts: %s", summary)
    return summary


def _notify(summary: RaiseSummary) -> None:
    from rempart.threatwatch.alerts.tasks import notify_task  # noqa: PLC0415 (tasks → here)

    try:
        notify_task.delay(summary.establishments)
    except Exception:  # the broker is down: the periodic task sends what is due
        logger.warning("threat-watch notifications not queued", exc_info=True)


# Events ------------------------------------------------------------------------------------


def _known(kind: str) -> Any:
    return WatchEvent.objects.filter(kind=kind).values("reference")


def _new_events(cve_ids: Iterable[str] | None) -> list[WatchEvent]:
    kev = [_kev_event(k) for k in KevEntry.objects.exclude(cve_id__in=_known("kev"))]
    advisories = Advisory.objects.exclude(reference__in=_known("certfr"))
    certfr = [_advisory_event(a) for a in advisories]
    return kev + certfr + _cve_events(cve_ids, skip={e.reference for e in kev})


def _moment(day: dt.date | None) -> dt.datetime | None:
    if day is None:
        return None
    return dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC)


def _kev_event(kev: KevEntry) -> WatchEvent:
    name = " ".join(p for p in (kev.vendor_project, kev.product) if p)
    return WatchEvent(
        kind=WatchEvent.Kind.KEV,
        reference=kev.cve_id,
        title=f"{kev.cve_id} — {kev.name or name}"[:500],
        summary=kev.notes[:2000] if kev.notes and not kev.notes.startswith("http") else name,
        fix=kev.required_action
        or _("Apply the vendor's fix or mitigation, or stop using the product."),
        url=f"https://www.cve.org/CVERecord?id={kev.cve_id}",
        cve_ids=[kev.cve_id],
        known_exploited=True,
        published=_moment(kev.date_added),
    )


def _advisory_event(advisory: Advisory) -> WatchEvent:
    return WatchEvent(
        kind=WatchEvent.Kind.CERTFR,
        reference=advisory.reference,
        title=advisory.title[:500],
        summary=advisory.summary,
        fix=_("Apply the fixes that the vendors published (the publication lists them)."),
        url=advisory.url,
        cve_ids=sorted({c.upper() for c in advisory.cve_ids}),
        published=advisory.published,
    )


def _cve_events(cve_ids: Iterable[str] | None, skip: set[str]) -> list[WatchEvent]:
    """CVEs that changed in this run (or reached an asset through a new finding) and were
    never an event: candidates, kept only if some member is exposed."""
    wanted = set(Alert.objects.filter(notified_at__isnull=True).values_list("cve_id", flat=True))
    if cve_ids is not None:
        ids = {c.upper() for c in cve_ids}
        if len(ids) <= NEW_CVE_LIMIT:
            wanted |= ids
    wanted -= skip
    ordered = sorted(wanted)
    events: list[WatchEvent] = []
    for start in range(0, len(ordered), CHUNK):
        chunk = ordered[start : start + CHUNK]
        # a CVE already announced (KEV entry, new CVE, cited by a CERT-FR event) is not new
        announced = WatchEvent.objects.filter(reference__in=chunk).exclude(kind="certfr")
        known = set(announced.values_list("reference", flat=True))
        cited = AdvisoryCve.objects.filter(
            cve_id__in=chunk, advisory__reference__in=_known("certfr")
        )
        known.update(cited.values_list("cve_id", flat=True))
        rows = Cve.objects.filter(cve_id__in=chunk, state=Cve.State.PUBLISHED).exclude(
            cve_id__in=known
        )
        events += [_cve_event(c) for c in rows]
    return events


def _cve_event(cve: Cve) -> WatchEvent:
    return WatchEvent(
        kind=WatchEvent.Kind.CVE,
        reference=cve.cve_id,
        title=f"{cve.cve_id} — {cve.title or cve.description[:200]}"[:500],
        summary=cve.description[:4000],
        fix=_("Update the product to a version that the vendor has fixed."),
        url=f"https://www.cve.org/CVERecord?id={cve.cve_id}",
        cve_ids=[cve.cve_id],
        known_exploited=cve.known_exploited,
        published=cve.published,
    )


# Exposure and alerts -----------------------------------------------------------------------


def _exposure(cve_ids: set[str]) -> dict[str, list[ExposureItem]]:
    found: dict[str, list[ExposureItem]] = defaultdict(list)
    for item in exposures_for(cve_ids):
        found[item.cve_id].append(item)
    return found


def _per_establishment(
    event: WatchEvent, exposure: dict[str, list[ExposureItem]]
) -> dict[int, list[ExposureItem]]:
    grouped: dict[int, list[ExposureItem]] = defaultdict(list)
    for cve_id in event.cve_ids:
        for item in exposure.get(cve_id, ()):
            grouped[item.establishment_id].append(item)
    return grouped


def _stored(events: list[WatchEvent]) -> list[WatchEvent]:
    """The events as stored (with their keys), whoever inserted them."""
    stored: list[WatchEvent] = []
    by_kind: dict[str, list[str]] = defaultdict(list)
    for event in events:
        by_kind[event.kind].append(event.reference)
    for kind, references in by_kind.items():
        for start in range(0, len(references), CHUNK):
            stored += WatchEvent.objects.filter(
                kind=kind, reference__in=references[start : start + CHUNK]
            )
    return stored


def _alerts(
    events: list[WatchEvent], exposure: dict[str, list[ExposureItem]]
) -> list[EstablishmentAlert]:
    """One alert per affected establishment and event, not raised before."""
    rows = [
        EstablishmentAlert(
            establishment_id=establishment_id,
            event=event,
            items=[asdict(item) for item in items[:ITEMS_KEPT]],
            item_count=len(items),
            confidence=best_confidence(items),
        )
        for event in events
        for establishment_id, items in _per_establishment(event, exposure).items()
    ]
    raised = {
        (e, v)
        for e, v in EstablishmentAlert.objects.filter(event__in=[e.pk for e in events]).values_list(
            "establishment_id", "event_id"
        )
    }
    fresh = [r for r in rows if (r.establishment_id, r.event.pk) not in raised]
    EstablishmentAlert.objects.bulk_create(fresh, batch_size=CHUNK, ignore_conflicts=True)
    return fresh
