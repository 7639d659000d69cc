"""Tasks of the webhooks app: thin, each calls one function of `delivery` or `services`."""

from __future__ import annotations

from celery import shared_task

from rempart.webhooks import delivery
from rempart.webhooks.services import deliveries_purge


@shared_task(name="webhooks.deliver_due")
def deliver_due_task() -> int:
    """Send the deliveries whose next attempt is due (every 30 s, from the scheduler)."""
    return delivery.deliver_due()


@shared_task(name="webhooks.deliver")
def deliver_task(delivery_ids: list[int]) -> int:
    """Send deliveries just emitted (queued once their transaction commits)."""
    return delivery.deliver(delivery_ids)


@shared_task(name="webhooks.purge")
def purge_task() -> int:
    """Delete finished deliveries older than 30 days."""
    return deliveries_purge()
