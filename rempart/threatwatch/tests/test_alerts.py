"""A replayed catalog update (the KEV catalog and CERT-FR publications served by the replay
server) raises one alert per affected establishment, shown in the application, mailed to a
real SMTP relay (one message per person, grouping the events) and sent to a signed webhook;
replaying the same update raises and sends nothing more."""

from __future__ import annotations

import email
import json
from collections.abc import Iterator
from email.message import Message
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from rempart.phishing.tests.sink import Sink
from rempart.scanning.tests.factories import ServiceFactory
from rempart.threatwatch import exposure
from rempart.threatwatch.alerts.models import (
    AlertDelivery,
    AlertPreference,
    EstablishmentAlert,
    WatchEvent,
    WatchSubscription,
)
from rempart.threatwatch.alerts.raising import alerts_raise
from rempart.threatwatch.exposure import ExposureItem
from rempart.threatwatch.services.correlation import correlate_services
from rempart.threatwatch.sync import catalog_sync
from rempart.threatwatch.tests.catalog import real_catalog
from rempart.threatwatch.tests.replay import ReplayServer
from rempart.webhooks import services as webhook_services
from rempart.webhooks.models import WebhookDelivery
from rempart.webhooks.tests.factories import WebhookEndpointFactory
from rempart.webhooks.tests.receiver import Receiver

pytestmark = pytest.mark.django_db
STRUTS = "CVE-2017-5638"  # in the KEV catalog served by the replay
MOXA = "CVE-2024-9138"  # cited by CERTFR-2025-AVI-0001


@pytest.fixture
def sink(settings: Any) -> Iterator[Sink]:
    server = Sink().start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", server.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    yield server
    server.stop()


@pytest.fixture
def receiver(settings: Any) -> Iterator[Receiver]:
    settings.WEBHOOKS_ALLOW_HTTP = True
    webhook_services.SUBSCRIPTIONS.clear()
    server = Receiver(secret="receiver-secret-0123456789").start()
    yield server
    server.stop()
    webhook_services.SUBSCRIPTIONS.clear()


@pytest.fixture
def inventory(establishment_a: Any, establishment_b: Any) -> Iterator[None]:
    """A scans an OpenSSH 9.6p1 server and declares a Struts application; B declares a Moxa
    router (declared products through a source shaped like the inventory's)."""
    real_catalog()
    correlate_services(
        [
            ServiceFactory(
                establishment=establishment_a,
                asset__address="10.1.0.22",
                port=22,
                product="OpenSSH",
                version="9.6p1",
                cpe="cpe:/a:openbsd:openssh:9.6p1",
            )
        ]
    )
    declared = {
        STRUTS: (establishment_a.pk, "Portail RH (Apache Struts 2.5.10)", "struts", "2.5.10"),
        MOXA: (establishment_b.pk, "Routeur Moxa EDR-810", "edr-810", "3.12"),
    }

    def source(cve_ids: list[str]) -> Iterator[ExposureItem]:
        for cve_id in cve_ids:
            if cve_id in declared:
                pk, label, product, version = declared[cve_id]
                yield ExposureItem(
                    pk, cve_id, "declared", 1, label, "", product, version, "firm",
                    f"Produit déclaré : {product} {version}.",
                )  # fmt: skip

    exposure.register_source("declared-test", source)
    yield
    exposure._SOURCES.pop("declared-test")


def _messages(sink: Sink) -> dict[str, Message]:
    found = {}
    for received in sink.handler.messages:
        message = email.message_from_bytes(received.raw)
        for recipient in received.recipients:
            assert recipient not in found, f"{recipient} got two messages"
            found[recipient] = message
    return found


def _text(message: Message) -> str:
    part = next(p for p in message.walk() if p.get_content_type() == "text/plain")
    return part.get_payload(decode=True).decode()


def _sync(server: ReplayServer, capture: Any) -> None:
    with capture(execute=True):
        catalog_sync(sources=["kev", "certfr"])


def test_replayed_update_alerts_each_affected_member_once(
    server: ReplayServer,
    inventory: None,
    personas: dict[str, Any],
    establishment_a: Any,
    establishment_b: Any,
    sink: Sink,
    receiver: Receiver,
    django_capture_on_commit_callbacks: Any,
) -> None:
    WatchSubscription.objects.create(user=personas["operator_admin"], kind="region")
    AlertPreference.objects.create(user=personas["bob"], frequency="daily")
    WebhookEndpointFactory(establishment=establishment_a, url=receiver.url, secret=receiver.secret)
    _sync(server, django_capture_on_commit_callbacks)

    assert WatchEvent.objects.filter(kind="kev").count() == 10
    assert WatchEvent.objects.filter(kind="certfr").count() == 2
    raised = sorted(
        (a.establishment.name, a.event.reference)
        for a in EstablishmentAlert.objects.select_related("establishment", "event")
    )
    assert raised == sorted(
        [
            (establishment_a.name, STRUTS),
            (establishment_a.name, "CERTFR-2024-ALE-009"),
            (establishment_b.name, "CERTFR-2025-AVI-0001"),
        ]
    )
    openssh = EstablishmentAlert.objects.get(event__reference="CERTFR-2024-ALE-009")
    assert openssh.items[0]["kind"] == "finding"
    assert openssh.items[0]["label"] == "10.1.0.22:22/tcp"

    # e-mails: one per person at once (bob chose the daily digest), grouping the events
    messages = _messages(sink)
    assert set(messages) == {
        personas["alice"].email,
        personas["charlie"].email,
        personas["operator_admin"].email,
    }
    alice = messages[personas["alice"].email]
    assert "2 alertes" in str(
        email.header.make_header(email.header.decode_header(alice["Subject"]))
    )
    body = _text(alice)
    assert "Apply updates per vendor instructions." in body  # the KEV's required action
    assert "Vulnérabilité dans OpenSSH" in body  # the CERT-FR title
    assert "Portail RH (Apache Struts 2.5.10)" in body
    assert "10.1.0.22:22/tcp" in body
    assert "Moxa" not in body  # B's alert is not A's business
    assert "Routeur Moxa EDR-810" in _text(messages[personas["charlie"].email])
    assert "Routeur Moxa EDR-810" in _text(messages[personas["operator_admin"].email])

    # webhook: one signed delivery for A's two alerts
    deliveries = WebhookDelivery.objects.filter(event="threatwatch.alerts.raised")
    assert deliveries.count() == 1
    assert len(receiver.requests) == 1
    assert receiver.requests[0].valid
    payload = json.loads(receiver.requests[0].body)
    assert sorted(a["reference"] for a in payload["data"]["alerts"]) == sorted(
        [STRUTS, "CERTFR-2024-ALE-009"]
    )

    # in the application
    client = Client()
    client.force_login(personas["alice"])
    page = client.get(reverse("threatwatch:alert_list", args=[establishment_a.slug])).content
    assert page.decode().count('class="watch-alert"') == 2

    # the same update again: nothing new anywhere
    _sync(server, django_capture_on_commit_callbacks)
    assert EstablishmentAlert.objects.count() == 3
    assert len(sink.handler.messages) == 3
    assert len(receiver.requests) == 1

    # the same CVEs changing again (EPSS, rules) are not new vulnerabilities
    assert alerts_raise(cve_ids=[STRUTS, "CVE-2024-6387", MOXA]).events == 0

    # bob's daily digest: one message with A's two alerts, then nothing more
    from rempart.threatwatch.alerts.tasks import daily_digest_task

    assert daily_digest_task() == 1
    assert daily_digest_task() == 0
    assert AlertDelivery.objects.filter(sent_at__isnull=True).count() == 0
    digest = _messages(sink)[personas["bob"].email]
    assert "Synthèse quotidienne" in _text(digest)
