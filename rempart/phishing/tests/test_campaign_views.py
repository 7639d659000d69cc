"""Campaign screens: a draft created in the UI, approved by a second person, sent to a real
SMTP relay, with its results page, CSV export and legal kit."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from allauth.mfa.models import Authenticator
from django.test import Client
from django.urls import reverse

from conftest import give_totp
from rempart.audit.models import AuditEntry
from rempart.phishing.choices import CampaignStatus
from rempart.phishing.models import Campaign, Target
from rempart.phishing.tests import engine
from rempart.phishing.tests.factories import EmailTemplateFactory, SendingProfileFactory
from rempart.phishing.tests.sink import Sink

pytestmark = pytest.mark.django_db


@pytest.fixture
def sink() -> Iterator[Sink]:
    server = Sink().start()
    yield server
    server.stop()


CLIENTS: dict[int, Client] = {}


def _client(user: Any) -> Client:
    """A signed-in client per user (MFA set up once)."""
    if user.pk not in CLIENTS:
        if not Authenticator.objects.filter(user=user).exists():
            give_totp(user)
        client = Client()
        client.force_login(user)
        CLIENTS[user.pk] = client
    return CLIENTS[user.pk]


@pytest.fixture(autouse=True)
def _fresh_clients() -> Iterator[None]:
    CLIENTS.clear()
    yield
    CLIENTS.clear()


def test_a_campaign_goes_from_the_form_to_the_relay(
    sink: Sink,
    establishment_a: Any,
    alice: Any,
    operator_admin: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    group = engine.recipients(establishment_a, 12)
    profile = SendingProfileFactory(establishment=establishment_a, port=sink.port)
    template = EmailTemplateFactory(establishment=establishment_a)
    slug = establishment_a.slug
    response = _client(alice).post(
        reverse("phishing:campaign_create", args=[slug]),
        {
            "name": "Campagne d'automne",
            "sending_profile": profile.pk,
            "groups": [group.pk],
            "templates": [template.pk],
            "teachable_on": "click",
            "weekday_choices": list(range(7)),
            "hour_start": 0,
            "hour_end": 24,
            "jitter_seconds": 0,
            "mode": "pseudonymous",
            "retention_until": "2099-01-01",
            "legal_basis": "public_task",
        },
    )
    campaign = Campaign.objects.get(name="Campagne d'automne")
    detail = reverse("phishing:campaign_detail", args=[slug, campaign.public_id])
    assert response.status_code == 302
    assert response["Location"] == detail
    page = _client(alice).get(detail).content.decode()
    assert "12" in page  # the audience of the draft
    action = "phishing:campaign_action"
    assert (
        _client(alice).post(reverse(action, args=[slug, campaign.public_id, "submit"])).status_code
        == 302
    )
    # the author cannot approve their own campaign
    refused = _client(alice).post(reverse(action, args=[slug, campaign.public_id, "approve"]))
    assert refused.status_code == 403
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.PENDING
    with django_capture_on_commit_callbacks(execute=True):
        _client(operator_admin).post(reverse(action, args=[slug, campaign.public_id, "approve"]))
    assert len(sink.wait_for(12)) == 12
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.RUNNING
    decisions = AuditEntry.objects.filter(
        object_id=str(campaign.public_id),
        verb__in=["phishing.campaign.submitted", "phishing.campaign.approved"],
    )
    assert sorted(decisions.values_list("verb", "ip_address")) == [
        ("phishing.campaign.approved", "127.0.0.1"),  # who decided, from where
        ("phishing.campaign.submitted", "127.0.0.1"),
    ]
    page = _client(alice).get(detail).content.decode()
    assert 'data-stage="sent">12<' in page
    export = _client(alice).get(
        reverse("phishing:campaign_export", args=[slug, campaign.public_id])
    )
    rows = b"".join(export.streaming_content).decode().splitlines()
    assert len(rows) == 13
    assert "@" not in "".join(rows)  # pseudonymous: no address
    pdf = _client(alice).get(reverse("phishing:campaign_report", args=[slug, campaign.public_id]))
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    for document in ("notice", "consultation", "record"):
        url = reverse("phishing:legal_document", args=[slug, campaign.public_id, document])
        assert _client(alice).get(url).status_code == 200


def test_a_viewer_cannot_act_on_a_campaign(establishment_a: Any, alice: Any, bob: Any) -> None:
    group = engine.recipients(establishment_a, 2)
    campaign = engine.campaign(establishment_a, alice, port=1, groups=[group])
    url = reverse(
        "phishing:campaign_action", args=[establishment_a.slug, campaign.public_id, "submit"]
    )
    assert _client(bob).post(url).status_code == 403
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.DRAFT
    assert not Target.objects.exists()


def test_the_form_skips_public_holidays_unless_unticked(establishment_a: Any, alice: Any) -> None:
    page = _client(alice).get(reverse("phishing:campaign_create", args=[establishment_a.slug]))
    html = page.content.decode()
    (field,) = re.findall(r'<input[^>]*name="skip_public_holidays"[^>]*>', html)
    assert "checked" in field
