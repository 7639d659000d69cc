"""Sending the alerts: one e-mail per person grouping every event due (never one message per
CVE), at once or in the daily digest, at most `MAX_MESSAGES_PER_HOUR` immediate messages per
person (what exceeds waits for the next one); one webhook delivery per establishment and
catalog update. Each delivery is marked sent in the transaction that sent it, so a replayed
run sends nothing twice.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from functools import partial
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import ngettext

from rempart.tenancy import access
from rempart.threatwatch.alerts.models import AlertDelivery, AlertPreference, EstablishmentAlert
from rempart.webhooks import events as webhook_events
from rempart.webhooks.services import emit

logger = logging.getLogger(__name__)
MAX_MESSAGES_PER_HOUR = 4
ITEMS_PER_ESTABLISHMENT = 10
DETAILED_EVENTS = 30  # a message details this many events and lists the others in one line
ESTABLISHMENTS_PER_EVENT = 10
Frequency = AlertPreference.Frequency


def webhooks_emit(establishment_ids: list[int] | None = None) -> int:
    """One webhook event per establishment for its alerts not sent to webhooks yet."""
    pending = EstablishmentAlert.objects.filter(webhook_sent_at__isnull=True)
    if establishment_ids is not None:
        pending = pending.filter(establishment_id__in=establishment_ids)
    grouped: dict[int, list[EstablishmentAlert]] = defaultdict(list)
    for alert in pending.select_related("event").order_by("pk"):
        grouped[alert.establishment_id].append(alert)
    sent = 0
    for establishment_id, alerts in grouped.items():
        with transaction.atomic():
            sent += emit(
                establishment_id,
                webhook_events.WATCH_ALERTS,
                partial(webhook_events.watch_alerts_payload, alerts),
            )
            EstablishmentAlert.objects.filter(pk__in=[a.pk for a in alerts]).update(
                webhook_sent_at=timezone.now()
            )
    return sent


def _frequency_of(user_ids: set[int]) -> dict[int, str]:
    chosen = dict(
        AlertPreference.objects.filter(user_id__in=user_ids).values_list("user_id", "frequency")
    )
    return {user_id: chosen.get(user_id, Frequency.IMMEDIATE) for user_id in user_ids}


def mails_send(*, frequency: str = Frequency.IMMEDIATE) -> int:
    """Send every person of this frequency the events due to them, one message each;
    returns the number of messages sent."""
    due = set(AlertDelivery.objects.filter(sent_at__isnull=True).values_list("user_id", flat=True))
    users = [u for u, f in _frequency_of(due).items() if f == frequency]
    if not users:
        return 0
    connection = get_connection()
    sent = 0
    with connection:
        for user in get_user_model().objects.filter(pk__in=users, is_active=True):
            if frequency == Frequency.IMMEDIATE and _over_rate(user.pk):
                continue
            sent += _send_to(user, frequency, connection)
    return sent


def _over_rate(user_id: int) -> bool:
    since = timezone.now() - dt.timedelta(hours=1)
    messages = AlertDelivery.objects.filter(user_id=user_id, sent_at__gte=since)
    return messages.values("sent_at").distinct().count() >= MAX_MESSAGES_PER_HOUR


def _send_to(user: Any, frequency: str, connection: Any) -> int:
    with transaction.atomic():
        deliveries = list(
            AlertDelivery.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(user=user, sent_at__isnull=True)
            .select_related("event")
            .order_by("-event__known_exploited", "event__kind", "event__reference")
        )
        if not deliveries:
            return 0
        message = _message(user, deliveries, frequency, connection)
        try:
            message.send()
        except Exception:  # the relay refused or is down: the deliveries wait for the next run
            logger.warning("threat-watch e-mail to user %s not sent", user.pk, exc_info=True)
            transaction.set_rollback(True)
            return 0
        AlertDelivery.objects.filter(pk__in=[d.pk for d in deliveries]).update(
            sent_at=timezone.now()
        )
    return 1


def _sections(user: Any, deliveries: list[AlertDelivery]) -> list[dict[str, Any]]:
    """The first `DETAILED_EVENTS` events (known exploited first) with, for each of the
    reader's establishments (at most `ESTABLISHMENTS_PER_EVENT`), its affected items."""
    reach = access.establishments_for(user)
    detailed = [d.event_id for d in deliveries[:DETAILED_EVENTS]]
    alerts = EstablishmentAlert.objects.filter(event__in=detailed, establishment__in=reach)
    by_event: dict[int, list[EstablishmentAlert]] = defaultdict(list)
    for alert in alerts.select_related("establishment").order_by("establishment__name"):
        alert.items = alert.items[:ITEMS_PER_ESTABLISHMENT]
        by_event[alert.event_id].append(alert)
    sections = []
    for delivery in deliveries[:DETAILED_EVENTS]:
        found = by_event.get(delivery.event_id, [])
        sections.append(
            {
                "event": delivery.event,
                "alerts": found[:ESTABLISHMENTS_PER_EVENT],
                "more": max(0, len(found) - ESTABLISHMENTS_PER_EVENT),
            }
        )
    return sections


def _message(
    user: Any, deliveries: list[AlertDelivery], frequency: str, connection: Any
) -> EmailMultiAlternatives:
    with translation.override(getattr(user, "language", "") or settings.LANGUAGE_CODE):
        count = len(deliveries)
        subject = ngettext(
            "Threat watch: %(count)d alert for your establishments",
            "Threat watch: %(count)d alerts for your establishments",
            count,
        ) % {"count": count}
        context = {
            "sections": _sections(user, deliveries),
            "others": [d.event for d in deliveries[DETAILED_EVENTS:]],
            "count": count,
            "digest": frequency == Frequency.DAILY,
            "site_url": settings.SITE_URL,
        }
        text = render_to_string("threatwatch/alerts/mail.txt", context)
        html = render_to_string("threatwatch/alerts/mail.html", context)
    message = EmailMultiAlternatives(
        subject, text, settings.DEFAULT_FROM_EMAIL, [user.email], connection=connection
    )
    message.attach_alternative(html, "text/html")
    return message
