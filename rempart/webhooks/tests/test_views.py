"""Webhooks settings screens: the secret is shown once and stored encrypted, addresses are
validated with clear errors, every settings change is audited, the test event and the
retry of a failed delivery reach a real receiver; viewers only read, others get 404."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client
from django.utils import translation

from rempart.audit.models import AuditEntry
from rempart.webhooks import events, services
from rempart.webhooks.choices import DeliveryState
from rempart.webhooks.models import WebhookDelivery, WebhookEndpoint
from rempart.webhooks.tests.factories import WebhookDeliveryFactory, WebhookEndpointFactory
from rempart.webhooks.tests.receiver import Receiver

pytestmark = pytest.mark.django_db
BASE = "/e/ch-alpha/webhooks/"


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    with translation.override("en"):
        yield


def _client(user: Any) -> Client:
    client = Client(headers={"accept-language": "en"})
    client.force_login(user)
    return client


def _form(**fields: Any) -> dict[str, Any]:
    return {
        "name": "SIEM régional",
        "url": "https://siem.example.org/hooks/rempart",
        "events": [events.TARGET_REPORTED, events.CAMPAIGN_CLOSED],
        "enabled": "on",
        **fields,
    }


def _stored_secret(endpoint: WebhookEndpoint) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT secret FROM webhooks_webhookendpoint WHERE id = %s", [endpoint.pk])
        return str(cursor.fetchone()[0])


def test_creating_an_endpoint_shows_its_secret_once(alice: Any, establishment_a: Any) -> None:
    client = _client(alice)

    response = client.post(f"{BASE}new/", _form())

    assert response.status_code == 200
    endpoint = WebhookEndpoint.objects.get(establishment=establishment_a)
    assert endpoint.events == [events.CAMPAIGN_CLOSED, events.TARGET_REPORTED]
    assert endpoint.created_by == alice
    assert len(endpoint.secret) >= 40
    assert endpoint.secret in response.content.decode()
    assert "no-store" in response["Cache-Control"]
    assert endpoint.secret not in _stored_secret(endpoint)  # encrypted at rest
    for page in (BASE, f"{BASE}{endpoint.public_id}/edit/"):
        shown = client.get(page)
        assert shown.status_code == 200
        assert endpoint.secret not in shown.content.decode()
    entry = AuditEntry.objects.get(verb="webhooks.endpoint.created")
    assert entry.establishment_id == establishment_a.pk
    assert endpoint.secret not in json.dumps(entry.changes)


@pytest.mark.parametrize(
    ("url", "error"),
    [
        ("http://siem.example.org/hook", "Use an https:// address."),
        ("not a url", "Enter a valid URL."),
        ("ftp://siem.example.org/hook", "Use an https:// address."),
        ("https://user:pw@siem.example.org/hook", "Put no user name or password"),
    ],
)
def test_an_invalid_address_is_refused_with_a_clear_error(
    alice: Any, settings: Any, url: str, error: str
) -> None:
    settings.WEBHOOKS_ALLOW_HTTP = False

    response = _client(alice).post(f"{BASE}new/", _form(url=url))

    assert response.status_code == 200
    assert error in response.content.decode()
    assert not WebhookEndpoint.objects.exists()


def test_http_is_accepted_when_the_setting_allows_it(alice: Any) -> None:
    response = _client(alice).post(f"{BASE}new/", _form(url="http://siem.example.org/hook"))

    assert response.status_code == 200
    assert WebhookEndpoint.objects.get().url == "http://siem.example.org/hook"


def test_editing_and_deleting_are_audited(alice: Any, establishment_a: Any) -> None:
    endpoint = WebhookEndpointFactory(establishment=establishment_a, name="SIEM")
    secret = endpoint.secret
    client = _client(alice)

    edited = client.post(
        f"{BASE}{endpoint.public_id}/edit/",
        _form(name="SIEM", url="https://other.example.org/h", events=[events.TARGET_SUBMITTED]),
    )

    assert edited.status_code == 302
    endpoint.refresh_from_db()
    assert (endpoint.url, endpoint.events, endpoint.secret) == (
        "https://other.example.org/h",
        [events.TARGET_SUBMITTED],
        secret,
    )
    updated = AuditEntry.objects.get(verb="webhooks.endpoint.updated")
    assert updated.changes["fields"] == ["events", "url"]

    assert client.post(f"{BASE}{endpoint.public_id}/delete/").status_code == 302
    assert not WebhookEndpoint.objects.exists()
    assert AuditEntry.objects.filter(verb="webhooks.endpoint.deleted").count() == 1


def test_regenerating_the_secret_shows_the_new_one_once(alice: Any, establishment_a: Any) -> None:
    endpoint = WebhookEndpointFactory(establishment=establishment_a)
    old = endpoint.secret

    response = _client(alice).post(f"{BASE}{endpoint.public_id}/secret/")

    assert response.status_code == 200
    endpoint.refresh_from_db()
    assert endpoint.secret != old
    assert endpoint.secret in response.content.decode()
    assert "no-store" in response["Cache-Control"]
    entry = AuditEntry.objects.get(verb="webhooks.endpoint.secret_regenerated")
    assert endpoint.secret not in json.dumps(entry.changes)


def test_the_test_event_reaches_the_receiver(
    alice: Any,
    establishment_a: Any,
    receiver: Receiver,
    django_capture_on_commit_callbacks: Any,
) -> None:
    endpoint = WebhookEndpointFactory(
        establishment=establishment_a, url=receiver.url, secret=receiver.secret, enabled=False
    )
    client = _client(alice)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"{BASE}{endpoint.public_id}/ping/")

    assert response.status_code == 302
    assert len(receiver.requests) == 1
    assert receiver.requests[0].valid
    assert receiver.requests[0].headers["X-Rempart-Event"] == events.PING
    page = client.get(BASE).content.decode()
    assert events.PING in page
    assert "Delivered" in page


def test_a_failed_delivery_can_be_retried_now(
    alice: Any,
    establishment_a: Any,
    receiver: Receiver,
    django_capture_on_commit_callbacks: Any,
) -> None:
    endpoint = WebhookEndpointFactory(
        establishment=establishment_a, url=receiver.url, secret=receiver.secret
    )
    failed = WebhookDeliveryFactory(establishment=establishment_a, endpoint=endpoint)
    client = _client(alice)
    assert "Retry now" in client.get(BASE).content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"{BASE}deliveries/{failed.public_id}/retry/")

    assert response.status_code == 302
    failed.refresh_from_db()
    assert (failed.state, failed.attempts, failed.last_status_code) == (
        DeliveryState.DELIVERED,
        10,
        200,
    )
    assert len(receiver.requests) == 1
    again = client.post(f"{BASE}deliveries/{failed.public_id}/retry/", follow=True)
    assert "Only a failed delivery can be retried." in again.content.decode()
    assert len(receiver.requests) == 1


def test_viewers_read_only_and_other_establishments_get_404(
    bob: Any, charlie: Any, establishment_a: Any
) -> None:
    endpoint = WebhookEndpointFactory(establishment=establishment_a)
    viewer = _client(bob)

    page = viewer.get(BASE)
    assert page.status_code == 200
    assert endpoint.name in page.content.decode()
    assert "New webhook" not in page.content.decode()
    assert viewer.post(f"{BASE}new/", _form()).status_code == 403
    assert viewer.post(f"{BASE}{endpoint.public_id}/secret/").status_code == 403
    assert _client(charlie).get(BASE).status_code == 404
    assert WebhookEndpoint.objects.count() == 1
    assert not WebhookDelivery.objects.exists()


def test_unknown_events_are_refused_by_the_service(alice: Any, establishment_a: Any) -> None:
    endpoint = WebhookEndpoint(
        establishment=establishment_a,
        name="SIEM",
        url="https://siem.example.org/h",
        events=[events.TARGET_REPORTED, "phishing.everything"],
    )

    with pytest.raises(ValidationError) as refused:
        services.endpoint_create(endpoint=endpoint, actor=alice)

    assert "events" in refused.value.message_dict
    assert not WebhookEndpoint.objects.exists()
