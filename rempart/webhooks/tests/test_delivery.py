"""Deliveries against a real HTTP receiver on 127.0.0.1: signed once, retried with backoff
on errors and refused connections, failed after the last attempt, never sent twice at the
same time, never to another establishment."""

from __future__ import annotations

import json
import threading
from collections import deque
from datetime import datetime, timedelta
from typing import Any

import pytest
from django.db import connection, transaction
from django.utils import timezone

from rempart.webhooks import delivery, events, signing
from rempart.webhooks.choices import DeliveryState
from rempart.webhooks.models import WebhookDelivery
from rempart.webhooks.services import emit
from rempart.webhooks.tests.factories import WebhookDeliveryFactory, WebhookEndpointFactory
from rempart.webhooks.tests.receiver import Receiver
from tests.processes import free_port

pytestmark = pytest.mark.django_db
DATA = {"campaign": {"id": "c0ffee", "name": "Campagne"}, "targets": 3}


def _endpoint(establishment: Any, receiver: Receiver, **fields: Any) -> Any:
    return WebhookEndpointFactory(
        establishment=establishment, url=receiver.url, secret=receiver.secret, **fields
    )


def _emit(capture: Any, establishment: Any, event: str = events.CAMPAIGN_LAUNCHED) -> int:
    """Emit in a transaction and run what it queued on commit (eager tasks in tests)."""
    with capture(execute=True):
        return emit(establishment.pk, event, DATA)


def _make_due(row: WebhookDelivery) -> None:
    WebhookDelivery.objects.filter(pk=row.pk).update(
        next_attempt_at=timezone.now() - timedelta(seconds=1)
    )


def test_an_event_is_delivered_once_with_a_valid_signature(
    establishment_a: Any, receiver: Receiver, django_capture_on_commit_callbacks: Any
) -> None:
    _endpoint(establishment_a, receiver)

    assert _emit(django_capture_on_commit_callbacks, establishment_a) == 1

    assert len(receiver.requests) == 1
    request = receiver.requests[0]
    assert request.valid
    row = WebhookDelivery.objects.get()
    assert row.state == DeliveryState.DELIVERED
    assert (row.attempts, row.last_status_code, row.last_error) == (1, 200, "")
    assert row.delivered_at is not None
    assert request.headers["Content-Type"] == "application/json"
    assert request.headers["User-Agent"] == "Rempart-Webhooks/1"
    assert request.headers["X-Rempart-Event"] == events.CAMPAIGN_LAUNCHED
    assert request.headers["X-Rempart-Delivery"] == str(row.event_id)
    body = json.loads(request.body)
    assert body == {
        "id": str(row.event_id),
        "event": events.CAMPAIGN_LAUNCHED,
        "created": body["created"],
        "establishment": "ch-alpha",
        "data": DATA,
    }
    assert datetime.fromisoformat(body["created"]).tzinfo is not None
    # nothing is due any more: the scheduler sends nothing
    assert delivery.deliver_due() == 0
    assert len(receiver.requests) == 1


def test_the_signature_is_rejected_with_another_secret_or_an_old_timestamp() -> None:
    body = b'{"id":"x"}'
    header = signing.signature_header("s3cret", body, timestamp=1_700_000_000)

    assert signing.verify("s3cret", header, body, now=1_700_000_100)
    assert not signing.verify("other", header, body, now=1_700_000_100)
    assert not signing.verify("s3cret", header, body + b" ", now=1_700_000_100)
    assert not signing.verify("s3cret", header, body, now=1_700_000_000 + 301)
    assert not signing.verify("s3cret", "v1=abc", body)


def test_a_server_error_is_retried_with_backoff_then_delivered(
    establishment_a: Any, receiver: Receiver, django_capture_on_commit_callbacks: Any
) -> None:
    receiver.statuses = deque([500])
    _endpoint(establishment_a, receiver)
    before = timezone.now()

    _emit(django_capture_on_commit_callbacks, establishment_a)

    row = WebhookDelivery.objects.get()
    assert (row.state, row.attempts, row.last_status_code) == (DeliveryState.PENDING, 1, 500)
    assert row.last_error == "HTTP 500 Internal Server Error"  # the status line only
    assert "upstream exploded" not in row.last_error  # the answer's body is never kept
    wait = row.next_attempt_at - before
    assert timedelta(seconds=55) < wait < timedelta(seconds=65)
    assert delivery.deliver_due() == 0  # not due before a minute
    assert len(receiver.requests) == 1

    _make_due(row)
    assert delivery.deliver_due() == 1

    row.refresh_from_db()
    assert (row.state, row.attempts, row.last_status_code) == (DeliveryState.DELIVERED, 2, 200)
    assert row.last_error == ""
    first, second = receiver.requests
    assert first.valid
    assert second.valid
    assert first.body == second.body
    assert first.headers["X-Rempart-Delivery"] == second.headers["X-Rempart-Delivery"]


def test_a_refused_connection_schedules_a_retry_with_a_clear_error(
    establishment_a: Any, django_capture_on_commit_callbacks: Any
) -> None:
    WebhookEndpointFactory(establishment=establishment_a, url=f"http://127.0.0.1:{free_port()}/")
    before = timezone.now()

    _emit(django_capture_on_commit_callbacks, establishment_a)

    row = WebhookDelivery.objects.get()
    assert (row.state, row.attempts, row.last_status_code) == (DeliveryState.PENDING, 1, None)
    assert row.last_error.startswith("Connection failed:")
    assert "refused" in row.last_error.lower()
    assert timedelta(seconds=55) < row.next_attempt_at - before < timedelta(seconds=65)


def test_after_the_last_attempt_the_delivery_is_failed(
    establishment_a: Any, django_capture_on_commit_callbacks: Any
) -> None:
    WebhookEndpointFactory(establishment=establishment_a, url=f"http://127.0.0.1:{free_port()}/")
    _emit(django_capture_on_commit_callbacks, establishment_a)
    row = WebhookDelivery.objects.get()
    waits = []
    while row.state == DeliveryState.PENDING:
        waits.append(row.next_attempt_at - row.updated_at)
        _make_due(row)
        delivery.deliver_due()
        row.refresh_from_db()

    assert row.state == DeliveryState.FAILED
    assert row.attempts == delivery.MAX_ATTEMPTS == 9
    assert [round(w.total_seconds() / 60) for w in waits] == [1, 2, 4, 8, 16, 32, 64, 128]
    _make_due(row)
    assert delivery.deliver_due() == 0
    row.refresh_from_db()
    assert row.attempts == 9  # a failed delivery is not attempted again


def test_an_endpoint_of_a_never_receives_the_events_of_b(
    establishment_a: Any,
    establishment_b: Any,
    receiver: Receiver,
    django_capture_on_commit_callbacks: Any,
) -> None:
    other = Receiver(secret="b-secret").start()
    try:
        _endpoint(establishment_a, receiver)
        _endpoint(establishment_b, other)

        assert _emit(django_capture_on_commit_callbacks, establishment_b) == 1

        assert receiver.requests == []
        assert len(other.requests) == 1
        assert json.loads(other.requests[0].body)["establishment"] == "ehpad-bravo"
        assert not WebhookDelivery.objects.filter(establishment=establishment_a).exists()
    finally:
        other.stop()


def test_only_enabled_endpoints_subscribed_to_the_event_get_it(
    establishment_a: Any, receiver: Receiver, django_capture_on_commit_callbacks: Any
) -> None:
    _endpoint(establishment_a, receiver, events=[events.TARGET_REPORTED])
    _endpoint(establishment_a, receiver, enabled=False)

    assert _emit(django_capture_on_commit_callbacks, establishment_a) == 0
    assert _emit(django_capture_on_commit_callbacks, establishment_a, events.TARGET_REPORTED) == 1
    assert [r.headers["X-Rempart-Event"] for r in receiver.requests] == [events.TARGET_REPORTED]


def test_a_rolled_back_change_emits_nothing(
    establishment_a: Any, receiver: Receiver, django_capture_on_commit_callbacks: Any
) -> None:
    _endpoint(establishment_a, receiver)

    def change_then_fail() -> None:
        with transaction.atomic():
            assert emit(establishment_a.pk, events.CAMPAIGN_LAUNCHED, DATA) == 1
            raise RuntimeError

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError):
        change_then_fail()

    assert not WebhookDelivery.objects.exists()
    assert receiver.requests == []


def test_without_subscriber_emit_costs_one_query_a_minute(
    establishment_a: Any, django_assert_num_queries: Any
) -> None:
    built = []

    def data() -> dict[str, Any]:
        built.append(1)
        return DATA

    with django_assert_num_queries(1):
        assert emit(establishment_a.pk, events.TARGET_SUBMITTED, data) == 0
    with django_assert_num_queries(0):
        assert emit(establishment_a.pk, events.TARGET_SUBMITTED, data) == 0
    assert built == []  # the payload is never built for nobody
    # saving an endpoint clears the cache: the next event reaches it at once
    WebhookEndpointFactory(establishment=establishment_a)
    assert emit(establishment_a.pk, events.TARGET_SUBMITTED, data) == 1
    assert built == [1]


def test_a_claim_is_taken_once(establishment_a: Any) -> None:
    WebhookEndpointFactory(establishment=establishment_a)
    assert emit(establishment_a.pk, events.CAMPAIGN_CLOSED, DATA) == 1
    row = WebhookDelivery.objects.get()

    assert delivery.delivery_claim(row.pk) is not None
    assert delivery.delivery_claim(row.pk) is None
    row.refresh_from_db()
    assert row.attempts == 1


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_workers_do_not_deliver_the_same_row_twice(
    establishment_a: Any, receiver: Receiver
) -> None:
    receiver.delay = 0.5  # both workers run while the first request is in flight
    row = WebhookDeliveryFactory(
        establishment=establishment_a,
        endpoint=_endpoint(establishment_a, receiver),
        state=DeliveryState.PENDING,
        attempts=0,
        last_status_code=None,
        last_error="",
    )
    start = threading.Barrier(2)
    results: list[str | None] = []

    def worker() -> None:
        try:
            start.wait()
            results.append(delivery.attempt(row.pk))
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(results, key=str) == [None, DeliveryState.DELIVERED]  # one sent, one skipped
    assert len(receiver.requests) == 1
    row.refresh_from_db()
    assert (row.state, row.attempts) == (DeliveryState.DELIVERED, 1)
