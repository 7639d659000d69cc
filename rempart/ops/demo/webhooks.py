"""The demo's webhooks: two establishments send phishing events to their SIEM.

Every call into the webhooks app is in this module. The endpoints are created by the
webhooks service; the deliveries are the ones the campaigns' real events queued. Their
receivers do not exist offline, so each attempt's answer is recorded by the deliverer's own
`claim` and `record` at the time it would have been made: Boulogne's SIEM accepts every
event, Nanterre's answers 503 until the deliverer gives up.
"""

from __future__ import annotations

from typing import Any

import time_machine

from rempart.webhooks import events
from rempart.webhooks.choices import DeliveryState
from rempart.webhooks.delivery import MAX_ATTEMPTS, Answer, backoff, delivery_claim, record
from rempart.webhooks.models import WebhookDelivery, WebhookEndpoint
from rempart.webhooks.services import endpoint_create

# slug → (name, address, events, whether its receiver answers)
ENDPOINTS = {
    "ch-boulogne": (
        "SIEM du GHT",
        "https://siem.ght-seine-ouest.demo.test/rempart",
        list(events.SUBSCRIBABLE),
        True,
    ),
    "ch-nanterre": (
        "Collecteur SOC (ancien)",
        "https://soc.ch-nanterre.demo.test/hook",
        [events.CAMPAIGN_CLOSED],
        False,
    ),
}
ACCEPTED = Answer(204)
UNAVAILABLE = Answer(503, "HTTP 503 Service Unavailable")


def endpoints_create(*, places: dict[str, Any], actor: Any) -> None:
    """Boulogne's SIEM takes every phishing event; Nanterre's old collector the closings."""
    for slug, (name, url, wanted, _healthy) in ENDPOINTS.items():
        endpoint = WebhookEndpoint(establishment=places[slug], name=name, url=url, events=wanted)
        endpoint_create(endpoint=endpoint, actor=actor)


def deliveries_settle() -> dict[str, int]:
    """Play every queued delivery's attempts, oldest first; returns the count per state."""
    healthy = {name for name, _url, _events, ok in ENDPOINTS.values() if ok}
    pending = WebhookDelivery.objects.filter(state=DeliveryState.PENDING).select_related("endpoint")
    for delivery in pending.order_by("next_attempt_at", "pk"):
        answer = ACCEPTED if delivery.endpoint.name in healthy else UNAVAILABLE
        _attempts(delivery.pk, delivery.next_attempt_at, answer)
    states = WebhookDelivery.objects.values_list("state", flat=True)
    return {state: list(states).count(state) for state in set(states)}


def _attempts(pk: int, first: Any, answer: Answer) -> None:
    moment = first
    for attempt in range(1, MAX_ATTEMPTS + 1):
        with time_machine.travel(moment, tick=False):
            claimed = delivery_claim(pk, now=moment)
            if claimed is None or record(claimed, answer, now=moment) != DeliveryState.PENDING:
                return
        moment = moment + backoff(attempt)
