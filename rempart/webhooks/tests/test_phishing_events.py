"""Phishing events carry no personal data: a campaign whose recipient has canary names,
address, IP and browser goes through launch, submission, report and close (and another is
cancelled); no canary appears in any stored payload nor in what the receiver got."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.utils import timezone

from rempart.phishing.campaigns.services import (
    campaign_approve,
    campaign_cancel,
    campaign_close,
    campaign_submit,
)
from rempart.phishing.choices import InteractionKind
from rempart.phishing.models import Target
from rempart.phishing.tests import engine
from rempart.phishing.tests.factories import CampaignFactory, RecipientFactory
from rempart.phishing.tracking import hits
from rempart.webhooks import delivery, events
from rempart.webhooks.choices import DeliveryState
from rempart.webhooks.models import WebhookDelivery
from rempart.webhooks.tests.factories import WebhookEndpointFactory
from rempart.webhooks.tests.receiver import Receiver

pytestmark = pytest.mark.django_db
EMAIL = "zoe.canarywoman@ch-alpha.example.fr"
FIRST, LAST = "Zoecanarix", "Canarinskaya"
IP, AGENT = "203.0.113.99", "CanaryBrowser/9.9 (canary-agent)"


def _launched(establishment: Any, author: Any, approver: Any) -> Any:
    group = engine.recipients(establishment, 4)
    RecipientFactory(
        establishment=establishment, group=group, email=EMAIL, first_name=FIRST, last_name=LAST
    )
    campaign = engine.campaign(establishment, author, port=1, groups=[group])
    campaign_submit(campaign=campaign, actor=author)
    campaign_approve(campaign=campaign, actor=approver)  # sending runs on commit: never here
    return campaign


def test_phishing_events_hold_no_personal_data(
    establishment_a: Any, alice: Any, operator_admin: Any, receiver: Receiver
) -> None:
    WebhookEndpointFactory(establishment=establishment_a, url=receiver.url, secret=receiver.secret)
    campaign = _launched(establishment_a, alice, operator_admin)
    target = Target.objects.select_related("recipient").get(
        campaign=campaign, recipient__email=EMAIL
    )
    delivered = timezone.now() - dt.timedelta(minutes=5)
    Target.objects.filter(campaign=campaign).update(state="sent", sent_at=delivered)
    target.refresh_from_db()
    hit = hits.Hit(method="POST", ip=IP, user_agent=AGENT)
    sandbox = hits.Hit(method="POST", ip="40.107.1.1", user_agent="python-requests/2.31")
    other = Target.objects.filter(campaign=campaign).exclude(pk=target.pk).first()
    assert other is not None

    hits.record_submission(other, sandbox, field_names=["login"])  # a scanner's: not an event
    hits.record_submission(target, hit, field_names=["login", "password"])
    hits.record(target, InteractionKind.CLICK, hit)  # not an event
    hits.record_report(target, method="BUTTON")
    campaign_close(campaign=campaign, actor=alice)
    campaign_cancel(campaign=CampaignFactory(establishment=establishment_a), actor=alice)
    delivery.deliver_due()

    rows = list(WebhookDelivery.objects.order_by("pk"))
    assert [row.event for row in rows] == [
        events.CAMPAIGN_LAUNCHED,
        events.TARGET_SUBMITTED,
        events.TARGET_REPORTED,
        events.CAMPAIGN_CLOSED,
        events.CAMPAIGN_CANCELLED,
    ]
    assert {row.state for row in rows} == {DeliveryState.DELIVERED}
    assert all(request.valid for request in receiver.requests)
    submitted = rows[1].payload["data"]
    assert submitted == {
        "campaign": {"id": str(campaign.public_id), "name": campaign.name},
        "target": target.pseudonym,
        "kind": "submit",
        "at": submitted["at"],
    }
    assert rows[2].payload["data"]["first"] is True
    assert rows[0].payload["data"]["targets"] == 5
    canaries = [EMAIL, "canarywoman", FIRST, LAST, IP, "203.0.113", "CanaryBrowser", target.token]
    sent = [json.dumps(row.payload) for row in rows]
    sent += [request.body.decode() for request in receiver.requests]
    sent += [json.dumps(request.headers) for request in receiver.requests]
    assert len(receiver.requests) == 5
    leaked = [canary for canary in canaries for text in sent if canary in text]
    assert leaked == []
