"""Sending deliveries: claim, POST, record the answer, back off.

A due delivery is claimed by one conditional UPDATE (`attempts + 1`, `next_attempt_at`
moved a lease ahead, `WHERE state = 'pending' AND next_attempt_at <= now`), the same way
the phishing sender claims targets: two workers never send the same row at the same time.
The POST happens outside any transaction (a slow receiver holds no lock); a worker killed
mid-request leaves the row pending, and it is sent again when the lease expires (delivery
is at least once: receivers deduplicate on `X-Rempart-Delivery`).

2xx is delivered; any other answer, a redirect (never followed), a timeout or a connection
error is retried after 1, 2, 4 … 128 minutes; the ninth attempt (~4 h 15 after the first)
that fails marks the delivery failed.
"""

from __future__ import annotations

import http.client
import json
import logging
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db.models import F, Q, QuerySet
from django.utils import timezone

from rempart.webhooks import events
from rempart.webhooks.choices import DeliveryState
from rempart.webhooks.models import WebhookDelivery
from rempart.webhooks.signing import signature_header

logger = logging.getLogger(__name__)
TIMEOUT = 10.0
MAX_ATTEMPTS = 9  # the first try and 8 retries
BACKOFF = timedelta(minutes=1)
LEASE = timedelta(minutes=2)  # longer than a request can take (TIMEOUT per socket operation)
BATCH = 100
ERROR_LENGTH = 300
USER_AGENT = "Rempart-Webhooks/1"


@dataclass(frozen=True)
class Answer:
    """What came back: a status code, or None when no HTTP answer arrived; a short error."""

    status: int | None
    error: str = ""

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300  # noqa: PLR2004


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A redirect is an answer, not an instruction: the signed body is never sent elsewhere."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


_OPENER = urllib.request.build_opener(_NoRedirect)


def backoff(attempts: int) -> timedelta:
    """Wait after the `attempts`-th failed attempt: 1, 2, 4 … minutes."""
    return BACKOFF * int(2 ** max(attempts - 1, 0))


def body_bytes(payload: dict[str, Any]) -> bytes:
    """The exact bytes sent and signed (the same at every attempt)."""
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()


def _sendable() -> Q:
    """Disabled endpoints keep their pending deliveries until re-enabled; pings always go."""
    return Q(endpoint__enabled=True) | Q(event=events.PING)


def _due(now: datetime) -> QuerySet[WebhookDelivery]:
    return WebhookDelivery.objects.filter(
        _sendable(), state=DeliveryState.PENDING, next_attempt_at__lte=now
    )


def deliveries_due(*, now: datetime | None = None, limit: int = BATCH) -> list[int]:
    """Ids of pending deliveries whose next attempt is due, oldest first."""
    due = _due(now or timezone.now()).order_by("next_attempt_at", "pk")
    return list(due.values_list("pk", flat=True)[:limit])


def delivery_claim(pk: int, *, now: datetime | None = None) -> WebhookDelivery | None:
    """Take the delivery for one attempt, or None if it is not due or another worker has it."""
    moment = now or timezone.now()
    if not _due(moment).filter(pk=pk).exists():  # includes the endpoint's state (a join)
        return None
    # The claim itself tests only the row's own columns: PostgreSQL re-checks them on the
    # latest row version after waiting for a concurrent claimer, so exactly one wins (with
    # the join, Django writes `WHERE id IN (SELECT …)`, which is not re-checked: both won).
    claimed = WebhookDelivery.objects.filter(
        pk=pk, state=DeliveryState.PENDING, next_attempt_at__lte=moment
    ).update(attempts=F("attempts") + 1, next_attempt_at=moment + LEASE, updated_at=moment)
    if not claimed:
        return None
    row: WebhookDelivery = WebhookDelivery.objects.select_related("endpoint").get(pk=pk)
    return row


def post(delivery: WebhookDelivery) -> Answer:
    """POST the signed payload to the endpoint; never raises for network trouble."""
    body = body_bytes(delivery.payload)
    request = urllib.request.Request(  # noqa: S310 (https, or http when allowed: validated)
        delivery.endpoint.url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "User-Agent": USER_AGENT,
            "X-Rempart-Event": delivery.event,
            "X-Rempart-Delivery": str(delivery.event_id),
            "X-Rempart-Signature": signature_header(delivery.endpoint.secret, body),
        },
    )
    try:
        with _OPENER.open(request, timeout=TIMEOUT) as response:
            return Answer(response.status)
    except urllib.error.HTTPError as error:
        return Answer(error.code, _http_error(error))
    except urllib.error.URLError as error:
        return Answer(None, f"Connection failed: {error.reason}")
    except TimeoutError:
        return Answer(None, f"No answer within {TIMEOUT:.0f} s")
    except (OSError, http.client.HTTPException, ValueError) as error:
        return Answer(None, f"Connection failed: {type(error).__name__}: {error}")


def _http_error(error: urllib.error.HTTPError) -> str:
    """The status line only: the answer's body is never read nor kept (an address on the
    internal network must not become a way to read what its services answer)."""
    location = error.headers.get("Location") if error.headers else None
    if location:
        return f"HTTP {error.code}: redirects are not followed"
    return f"HTTP {error.code} {error.reason}".strip()


def record(delivery: WebhookDelivery, answer: Answer, *, now: datetime | None = None) -> str:
    """Store the attempt's outcome; returns the new state."""
    moment = now or timezone.now()
    fields: dict[str, Any] = {
        "last_status_code": answer.status,
        "last_error": answer.error[:ERROR_LENGTH],
        "updated_at": moment,
    }
    if answer.ok:
        fields.update(state=DeliveryState.DELIVERED, delivered_at=moment, last_error="")
    elif delivery.attempts >= MAX_ATTEMPTS:
        fields["state"] = DeliveryState.FAILED
    else:
        fields["next_attempt_at"] = moment + backoff(delivery.attempts)
    # Only the claim's own attempt writes (a row re-claimed after its lease is the other's).
    WebhookDelivery.objects.filter(pk=delivery.pk, attempts=delivery.attempts).update(**fields)
    return str(fields.get("state", DeliveryState.PENDING))


def attempt(pk: int) -> str | None:
    """Claim, send and record one delivery; None when it was not ours to send."""
    delivery = delivery_claim(pk)
    if delivery is None:
        return None
    answer = post(delivery)
    if not answer.ok:
        logger.info("webhook delivery %s failed: %s", delivery.pk, answer.error or answer.status)
    return record(delivery, answer)


def deliver(ids: list[int]) -> int:
    """Attempt these deliveries (right after the emit); returns how many were delivered."""
    return sum(1 for pk in ids if attempt(pk) == DeliveryState.DELIVERED)


def deliver_due() -> int:
    """Attempt every due delivery (the scheduler, every 30 s)."""
    return deliver(deliveries_due())
