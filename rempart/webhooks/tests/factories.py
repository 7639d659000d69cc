"""Factories of the webhooks app (tenant-owned models, for the cross-establishment test)."""

from __future__ import annotations

import secrets
import uuid

import factory
from django.utils import timezone

from rempart.webhooks import events
from rempart.webhooks.models import WebhookDelivery, WebhookEndpoint

ESTABLISHMENT = "rempart.tenancy.tests.factories.EstablishmentFactory"
SAME = factory.SelfAttribute("..establishment")


class WebhookEndpointFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = WebhookEndpoint

    establishment = factory.SubFactory(ESTABLISHMENT)
    name = factory.Sequence(lambda n: f"SIEM {n}")
    url = factory.Sequence(lambda n: f"https://siem-{n}.example.org/hooks/rempart")
    secret = factory.LazyFunction(lambda: secrets.token_urlsafe(32))
    events = factory.LazyFunction(lambda: list(events.SUBSCRIBABLE))


class WebhookDeliveryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = WebhookDelivery

    establishment = factory.SubFactory(ESTABLISHMENT)
    endpoint = factory.SubFactory(WebhookEndpointFactory, establishment=SAME)
    event = events.PING
    event_id = factory.LazyFunction(uuid.uuid4)
    payload = factory.LazyAttribute(
        lambda o: {"id": str(o.event_id), "event": o.event, "data": {"message": "ping"}}
    )
    state = "failed"
    attempts = 9
    next_attempt_at = factory.LazyFunction(timezone.now)
    last_status_code = 500
    last_error = "HTTP 500 Internal Server Error"


TENANT_FACTORIES = {
    WebhookEndpoint: WebhookEndpointFactory,
    WebhookDelivery: WebhookDeliveryFactory,
}
