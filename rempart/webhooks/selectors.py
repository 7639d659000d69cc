"""Reads of the webhooks app, always scoped through `visible_to`."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.db.models import QuerySet
from django.http import Http404

from rempart.core.actions import Action
from rempart.webhooks.models import WebhookDelivery, WebhookEndpoint


def endpoint_list(
    *, user: Any, establishment: Any, action: Action = Action.VIEW
) -> QuerySet[WebhookEndpoint]:
    endpoints: QuerySet[WebhookEndpoint] = WebhookEndpoint.objects.visible_to(
        user, action=action
    ).filter(establishment=establishment)
    return endpoints.defer("secret")


def endpoint_get(
    *, user: Any, public_id: UUID, establishment: Any, action: Action = Action.VIEW
) -> WebhookEndpoint:
    """One endpoint of `establishment` that `user` may `action`; 404 for absent or not yours."""
    try:
        endpoint: WebhookEndpoint = WebhookEndpoint.objects.visible_to(user, action=action).get(
            establishment=establishment, public_id=public_id
        )
    except WebhookEndpoint.DoesNotExist as exc:
        raise Http404 from exc
    return endpoint


def delivery_queryset(*, user: Any, establishment: Any) -> QuerySet[WebhookDelivery]:
    """All the establishment's deliveries, most recent first (for the paginated table)."""
    deliveries = WebhookDelivery.objects.visible_to(user).filter(establishment=establishment)
    recent = deliveries.select_related("endpoint").defer("payload", "endpoint__secret")
    return recent.order_by("-created_at", "-pk")


def delivery_get(
    *, user: Any, public_id: UUID, establishment: Any, action: Action = Action.VIEW
) -> WebhookDelivery:
    try:
        delivery: WebhookDelivery = WebhookDelivery.objects.visible_to(user, action=action).get(
            establishment=establishment, public_id=public_id
        )
    except WebhookDelivery.DoesNotExist as exc:
        raise Http404 from exc
    return delivery
