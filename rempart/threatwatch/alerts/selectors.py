"""Reads of the threat-watch alerts, always through the tenant choke point."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from typing import Any

from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone

from rempart.tenancy.selectors import establishment_list
from rempart.threatwatch.alerts.models import (
    AlertPreference,
    Bulletin,
    EstablishmentAlert,
    FollowUp,
    WatchEvent,
    WatchSubscription,
    source_lang,
)

HOME_DAYS = 30
EVENT_COLUMNS = ("kind", "reference", "title", "known_exploited")


def alert_list(*, user: Any, establishment: Any, status: str = "") -> QuerySet[EstablishmentAlert]:
    alerts = (
        EstablishmentAlert.objects.visible_to(user)
        .for_establishment(establishment)
        .select_related("event")
    )
    return alerts.filter(status=status) if status in FollowUp.values else alerts


def alert_get(*, user: Any, establishment: Any, public_id: Any) -> EstablishmentAlert:
    try:
        return alert_list(user=user, establishment=establishment).get(public_id=public_id)
    except EstablishmentAlert.DoesNotExist:
        raise Http404 from None


def alert_counts(*, user: Any, establishment: Any) -> dict[str, int]:
    counts = Counter(
        alert_list(user=user, establishment=establishment).values_list("status", flat=True)
    )
    return {status: counts.get(status, 0) for status in FollowUp.values}


def regional_events(
    *, user: Any, kinds: tuple[str, ...] = ("kev", "certfr"), days: int = HOME_DAYS
) -> list[dict[str, Any]]:
    """Recent events affecting establishments in the reader's perimeter, with how many
    establishments are in each follow-up state (the operator's home, the follow-up page);
    one query."""
    since = timezone.now() - dt.timedelta(days=days)
    alerts = EstablishmentAlert.objects.visible_to(user).filter(
        event__kind__in=kinds, created_at__gte=since
    )
    columns = ("event_id", "status", *(f"event__{name}" for name in EVENT_COLUMNS))
    states: dict[int, Counter[str]] = defaultdict(Counter)
    events: dict[int, dict[str, Any]] = {}
    for event_id, status, *values in alerts.values_list(*columns):
        states[event_id][status] += 1
        event = dict(zip(EVENT_COLUMNS, values, strict=True))
        event["source_lang"] = source_lang(event["kind"])
        events[event_id] = event
    ordered = sorted(events.items(), key=lambda e: (not e[1]["known_exploited"], -e[0]))
    return [
        {
            "event": event,
            "total": sum(states[pk].values()),
            "states": [(s, states[pk].get(s, 0)) for s in FollowUp.values],
        }
        for pk, event in ordered
    ]


def event_states(*, user: Any, reference: str) -> dict[str, Any]:
    """One event and the follow-up of every establishment of the perimeter it affects."""
    event = WatchEvent.objects.filter(reference=reference.upper()).order_by("kind").first()
    if event is None:
        raise Http404
    alerts = (
        EstablishmentAlert.objects.visible_to(user)
        .filter(event=event)
        .select_related("establishment", "status_changed_by")
        .order_by("establishment__name")
    )
    return {"event": event, "alerts": alerts}


def visible_establishment_count(*, user: Any) -> int:
    return establishment_list(user=user).count()


def subscriptions_of(*, user: Any) -> dict[str, Any]:
    preference = AlertPreference.objects.filter(user=user).first()
    return {
        "subscriptions": WatchSubscription.objects.filter(user=user),
        "preference": preference or AlertPreference(user=user),
    }


def followed_events(*, user: Any, limit: int = 50) -> QuerySet[WatchEvent]:
    """The events that reached the person (their establishments or their subscriptions)."""
    return WatchEvent.objects.filter(deliveries__user=user).order_by("-pk")[:limit]


def bulletin_list() -> QuerySet[Bulletin]:
    """The archive (figures only: the PDFs stay in the database until downloaded)."""
    return Bulletin.objects.defer("pdf")


def bulletin_get(*, week: str) -> Bulletin:
    """A stored bulletin by its week (`YYYY-MM-DD`, the Monday); 404 otherwise."""
    try:
        day = dt.date.fromisoformat(week)
    except ValueError:
        raise Http404 from None
    bulletin = Bulletin.objects.filter(week=day).first()
    if bulletin is None:
        raise Http404
    return bulletin
