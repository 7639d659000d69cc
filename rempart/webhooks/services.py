"""Writes of the webhooks app: emitting events, and the endpoints' settings.

`emit` is called by other modules inside the transaction of the change it announces: a
rolled-back change emits nothing, and the deliveries are sent once it commits. Which events
an establishment's endpoints subscribe to is cached a minute per process, so that an
establishment without webhooks pays at most one small query a minute per process (the
cache is cleared in this process when an endpoint is saved or deleted; other processes see
the change within a minute).

Settings writes require MANAGE on the establishment and are audited without the secret.
"""

from __future__ import annotations

import logging
import secrets
import time
import uuid
from collections.abc import Callable, Mapping
from datetime import timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from rempart.audit.services import audit_record, snapshot
from rempart.core.actions import Action
from rempart.core.errors import ApplicationError, PermissionDeniedError
from rempart.tenancy import access
from rempart.tenancy.models import Establishment
from rempart.webhooks import events
from rempart.webhooks.choices import DeliveryState
from rempart.webhooks.models import WebhookDelivery, WebhookEndpoint

logger = logging.getLogger(__name__)
SUBSCRIPTION_SECONDS = 60.0
RETENTION = timedelta(days=30)
Data = Mapping[str, Any] | Callable[[], Mapping[str, Any]]

# establishment id → (expiry on the monotonic clock, events its enabled endpoints want)
SUBSCRIPTIONS: dict[int, tuple[float, frozenset[str]]] = {}


def subscriptions_forget(**kwargs: Any) -> None:
    """Drop this process's cache of subscribed events (an endpoint was saved or deleted)."""
    SUBSCRIPTIONS.clear()


def subscribed_events(establishment_id: int) -> frozenset[str]:
    """Events some enabled endpoint of the establishment wants (one query a minute)."""
    now = time.monotonic()
    cached = SUBSCRIPTIONS.get(establishment_id)
    if cached and cached[0] > now:
        return cached[1]
    lists = WebhookEndpoint.objects.filter(establishment_id=establishment_id, enabled=True)
    found = frozenset(
        str(name) for names in lists.values_list("events", flat=True) for name in names or []
    )
    SUBSCRIPTIONS[establishment_id] = (now + SUBSCRIPTION_SECONDS, found)
    return found


def emit(establishment_id: int, event: str, data: Data) -> int:
    """Queue `event` for every enabled endpoint of the establishment subscribed to it.

    `data` may be a callable, evaluated only when some endpoint is subscribed (so that
    building it costs nothing otherwise). Returns the number of deliveries created."""
    if event not in subscribed_events(establishment_id):
        return 0
    endpoints = [
        pk
        for pk, names in WebhookEndpoint.objects.filter(
            establishment_id=establishment_id, enabled=True
        ).values_list("pk", "events")
        if event in (names or [])
    ]
    if not endpoints:
        return 0
    payload = _envelope(establishment_id, event, data() if callable(data) else data)
    return len(_queue(establishment_id, event, payload, endpoints))


def _envelope(establishment_id: int, event: str, data: Mapping[str, Any]) -> dict[str, Any]:
    slug = Establishment.objects.filter(pk=establishment_id).values_list("slug", flat=True)
    return {
        "id": str(uuid.uuid4()),
        "event": event,
        "created": timezone.now().isoformat(),
        "establishment": slug.first(),
        "data": dict(data),
    }


def _queue(
    establishment_id: int, event: str, payload: dict[str, Any], endpoints: list[int]
) -> list[WebhookDelivery]:
    now = timezone.now()
    deliveries = WebhookDelivery.objects.bulk_create(
        WebhookDelivery(
            establishment_id=establishment_id,
            endpoint_id=endpoint_id,
            event=event,
            event_id=uuid.UUID(payload["id"]),
            payload=payload,
            next_attempt_at=now,
        )
        for endpoint_id in endpoints
    )
    ids = [delivery.pk for delivery in deliveries if delivery.pk is not None]
    if len(ids) < len(deliveries):  # backends that return no primary key: the scheduler sends
        return deliveries
    transaction.on_commit(lambda: _kick(ids))
    return deliveries


def _kick(ids: list[int]) -> None:
    """Send right after the commit; the scheduler (`webhooks.deliver_due`) is the safety net."""
    from rempart.webhooks.tasks import deliver_task  # noqa: PLC0415 (tasks import services)

    try:
        deliver_task.delay(ids)
    except Exception:  # the broker is down: the periodic task will send them
        logger.warning("webhook deliveries %s not queued", ids, exc_info=True)


# Endpoints ---------------------------------------------------------------------------------


def _require(actor: Any, establishment: Any) -> None:
    if not access.can(actor, Action.MANAGE, establishment):
        raise PermissionDeniedError(_("You cannot manage the webhooks of this establishment."))


def new_secret() -> str:
    return secrets.token_urlsafe(32)


def _audit(endpoint: WebhookEndpoint, actor: Any, verb: str, ip: str | None, **extra: Any) -> None:
    audit_record(
        actor=actor,
        verb=f"webhooks.endpoint.{verb}",
        target=endpoint,
        changes={"name": endpoint.name, **extra},
        ip_address=ip,
    )


def _save(endpoint: WebhookEndpoint) -> None:
    endpoint.full_clean()
    try:
        with transaction.atomic():
            endpoint.save()
    except IntegrityError as exc:
        raise ApplicationError(_("This name is already used in this establishment.")) from exc


@transaction.atomic
def endpoint_create(
    *, endpoint: WebhookEndpoint, actor: Any, ip_address: str | None = None
) -> tuple[WebhookEndpoint, str]:
    """Save a new endpoint with a fresh secret; returns it with the secret, shown once."""
    _require(actor, endpoint.establishment)
    secret = new_secret()
    endpoint.secret, endpoint.created_by = secret, actor
    _save(endpoint)
    _audit(endpoint, actor, "created", ip_address, events=list(endpoint.events))
    return endpoint, secret


@transaction.atomic
def endpoint_update(
    *, endpoint: WebhookEndpoint, actor: Any, ip_address: str | None = None
) -> WebhookEndpoint:
    """Save an edited endpoint; the audit names the changed fields (never the secret)."""
    _require(actor, endpoint.establishment)
    before = snapshot(WebhookEndpoint.objects.get(pk=endpoint.pk))
    _save(endpoint)
    after = snapshot(endpoint)
    fields = sorted(k for k in after if before.get(k) != after.get(k) and k != "updated_at")
    if fields:
        _audit(endpoint, actor, "updated", ip_address, fields=fields)
    return endpoint


@transaction.atomic
def endpoint_delete(
    *, endpoint: WebhookEndpoint, actor: Any, ip_address: str | None = None
) -> None:
    """Delete an endpoint and its deliveries (pending ones are never sent)."""
    _require(actor, endpoint.establishment)
    _audit(endpoint, actor, "deleted", ip_address)
    endpoint.delete()


@transaction.atomic
def endpoint_secret_regenerate(
    *, endpoint: WebhookEndpoint, actor: Any, ip_address: str | None = None
) -> str:
    """Replace the signing secret (the old one stops working at once); returns the new one."""
    _require(actor, endpoint.establishment)
    secret = new_secret()
    endpoint.secret = secret
    endpoint.save(update_fields=["secret", "updated_at"])
    _audit(endpoint, actor, "secret_regenerated", ip_address)
    return secret


@transaction.atomic
def endpoint_ping(*, endpoint: WebhookEndpoint, actor: Any) -> WebhookDelivery:
    """Queue a `webhooks.ping` test event for this endpoint only (even when disabled)."""
    _require(actor, endpoint.establishment)
    payload = _envelope(endpoint.establishment_id, events.PING, events.ping_payload(endpoint))
    return _queue(endpoint.establishment_id, events.PING, payload, [endpoint.pk])[0]


@transaction.atomic
def delivery_retry(*, delivery: WebhookDelivery, actor: Any) -> None:
    """One more attempt of a failed delivery, now (a new failure leaves it failed)."""
    _require(actor, delivery.establishment)
    if delivery.state != DeliveryState.FAILED:
        raise ApplicationError(_("Only a failed delivery can be retried."))
    now = timezone.now()
    WebhookDelivery.objects.filter(pk=delivery.pk, state=DeliveryState.FAILED).update(
        state=DeliveryState.PENDING, next_attempt_at=now, updated_at=now
    )
    pk = delivery.pk
    transaction.on_commit(lambda: _kick([pk]))


def deliveries_purge(*, now: Any = None) -> int:
    """Delete deliveries delivered or failed more than RETENTION ago (periodic task)."""
    limit = (now or timezone.now()) - RETENTION
    old = WebhookDelivery.objects.filter(created_at__lt=limit).exclude(state=DeliveryState.PENDING)
    return int(old.delete()[0])
