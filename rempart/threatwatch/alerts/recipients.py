"""Who is told about an event: the members of each affected establishment (their inventory
is followed automatically), the regional team subscribed to the region (within their
perimeter), and whoever follows one of the event's vendors, products or keywords.

One `AlertDelivery` per (person, event): the e-mails group them per person.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from django.contrib.auth import get_user_model
from django.db.models import Q

from rempart.tenancy import access
from rempart.tenancy.models import Membership
from rempart.threatwatch.alerts.models import (
    AlertDelivery,
    AlertPreference,
    EstablishmentAlert,
    WatchEvent,
    WatchSubscription,
)
from rempart.threatwatch.models import CpeMatch, KevEntry

CHUNK = 500


def muted_users() -> set[int]:
    """People who asked for no e-mail (they still see the alerts in the application)."""
    return set(
        AlertPreference.objects.filter(frequency=AlertPreference.Frequency.NONE).values_list(
            "user_id", flat=True
        )
    )


def deliveries_create(*, events: list[WatchEvent], alerts: list[EstablishmentAlert]) -> int:
    """Queue one delivery per person and event; returns how many were new."""
    wanted: dict[tuple[int, int], str] = {}
    for user_id, event_id, why in _members(alerts):
        wanted.setdefault((user_id, event_id), why)
    for user_id, event_id, why in _region(alerts):
        wanted.setdefault((user_id, event_id), why)
    for user_id, event_id, why in _followers(events):
        wanted.setdefault((user_id, event_id), why)
    muted = muted_users()
    rows = [
        AlertDelivery(user_id=user_id, event_id=event_id, why=why[:200])
        for (user_id, event_id), why in wanted.items()
        if user_id not in muted
    ]
    before = AlertDelivery.objects.count()
    AlertDelivery.objects.bulk_create(rows, batch_size=CHUNK, ignore_conflicts=True)
    return AlertDelivery.objects.count() - before


def _members(alerts: list[EstablishmentAlert]) -> Iterable[tuple[int, int, str]]:
    by_establishment: dict[int, list[int]] = defaultdict(list)
    for alert in alerts:
        by_establishment[alert.establishment_id].append(alert.event.pk)
    ids = list(by_establishment)
    active = get_user_model().objects.filter(is_active=True).values("pk")
    for start in range(0, len(ids), CHUNK):
        rows = Membership.objects.filter(
            establishment_id__in=ids[start : start + CHUNK], user__in=active
        ).values_list("user_id", "establishment_id", "establishment__name")
        for user_id, establishment_id, name in rows:
            for event_id in by_establishment[establishment_id]:
                yield user_id, event_id, name


def _region(alerts: list[EstablishmentAlert]) -> Iterable[tuple[int, int, str]]:
    subscribers = WatchSubscription.objects.filter(
        kind=WatchSubscription.Kind.REGION, user__is_active=True
    ).select_related("user")
    for subscription in subscribers:
        reach = set(access.establishments_for(subscription.user).values_list("pk", flat=True))
        for alert in alerts:
            if alert.establishment_id in reach:
                yield subscription.user_id, alert.event.pk, "region"


def _followers(events: list[WatchEvent]) -> Iterable[tuple[int, int, str]]:
    """Vendor, product and keyword subscriptions met by the events (case-insensitive)."""
    terms = list(
        WatchSubscription.objects.filter(user__is_active=True)
        .exclude(kind=WatchSubscription.Kind.REGION)
        .values_list("user_id", "kind", "value")
    )
    if not terms or not events:
        return
    names = _product_names(events)
    for event in events:
        text = f"{event.title} {event.summary}".casefold()
        vendors, products = names.get(event.pk, (set(), set()))
        for user_id, kind, value in terms:
            word = value.casefold()
            if (
                (kind == WatchSubscription.Kind.VENDOR and word in vendors)
                or (kind == WatchSubscription.Kind.PRODUCT and word in products)
                or (kind == WatchSubscription.Kind.KEYWORD and word in text)
            ):
                yield user_id, event.pk, f"{kind}:{value}"


def _product_names(events: list[WatchEvent]) -> dict[int, tuple[set[str], set[str]]]:
    """Per event, the vendors and products its CVEs' rules (and KEV entries) name."""
    by_cve: dict[str, list[int]] = defaultdict(list)
    for event in events:
        for cve_id in event.cve_ids:
            by_cve[cve_id].append(event.pk)
    found: dict[int, tuple[set[str], set[str]]] = defaultdict(lambda: (set(), set()))
    ids = list(by_cve)
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        rules = CpeMatch.objects.filter(cve__cve_id__in=chunk).values_list(
            "cve__cve_id", "vendor", "product"
        )
        kev = KevEntry.objects.filter(cve_id__in=chunk).values_list(
            "cve_id", "vendor_project", "product"
        )
        for cve_id, vendor, product in [*rules, *kev]:
            for event_id in by_cve[cve_id]:
                found[event_id][0].add(vendor.casefold())
                found[event_id][1].add(product.casefold().replace(" ", "_"))
                found[event_id][1].add(product.casefold())
    return found


def subscribers_of_bulletin() -> list[str]:
    """E-mail addresses of the weekly bulletin: the regional team subscribed to the region
    and members' referents, unless they opted out."""
    users = (
        get_user_model().objects.filter(is_active=True).exclude(watch_preference__bulletin=False)
    )
    region = Q(watch_subscriptions__kind=WatchSubscription.Kind.REGION)
    referents = Q(memberships__role="referent")
    return sorted(set(users.filter(region | referents).values_list("email", flat=True)))
