"""Anonymous results: the person ↔ target link is cut as each message is sent (against a
real SMTP server), nothing in the database links a person to a target afterwards, landing
pages render without names, reports still match by token, no identified results, and the
legal kit says so."""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Iterator
from email.message import EmailMessage
from typing import Any

import pytest
from allauth.mfa.models import Authenticator
from django.apps import apps
from django.core.cache import cache
from django.db import models
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from conftest import give_totp
from rempart.audit.models import AuditEntry
from rempart.phishing.campaigns.anonymity import anonymous_cut
from rempart.phishing.campaigns.services import (
    CampaignError,
    campaign_approve,
    campaign_close,
    campaign_identified_results,
    campaign_submit,
    campaigns_purge_expired,
)
from rempart.phishing.choices import CampaignStatus, ResultsMode, TargetState, TeachableOn
from rempart.phishing.models import Campaign, Interaction, PhishReport, Target, TrainingAssignment
from rempart.phishing.reports.services import report_ingest
from rempart.phishing.sending import sender
from rempart.phishing.tests import engine
from rempart.phishing.tests.engine import TrackingClient
from rempart.phishing.tests.factories import LandingPageFactory, ReportMailboxFactory
from rempart.phishing.tests.sink import Sink

pytestmark = pytest.mark.django_db

CANARY_FIRST, CANARY_LAST = "Canariprénom", "Canarinom"
LANDING = (
    "<html><body><h1>Bonjour {{ first_name }} {{ last_name }} ({{ email }})</h1>"
    '<form method="post" action="{{ submit_url }}"><input name="identifiant">'
    "<button>Se connecter</button></form></body></html>"
)
BROWSER = {
    "REMOTE_ADDR": "198.18.200.23",
    "HTTP_USER_AGENT": "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36",
    "HTTP_ACCEPT_LANGUAGE": "en",
}


@pytest.fixture(autouse=True)
def _no_burst_memory() -> Iterator[None]:
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def sink() -> Iterator[Sink]:
    server = Sink().start()
    yield server
    server.stop()


@pytest.fixture
def sent(
    sink: Sink,
    establishment_a: Any,
    alice: Any,
    operator_admin: Any,
    django_capture_on_commit_callbacks: Any,
) -> Campaign:
    """An anonymous campaign of 6 people with a landing page, sent to the sink."""
    group = engine.recipients(establishment_a, 6)
    group.recipients.update(first_name=CANARY_FIRST, last_name=CANARY_LAST)
    page = LandingPageFactory(establishment=establishment_a, html=LANDING)
    campaign = engine.campaign(
        establishment_a,
        alice,
        port=sink.port,
        groups=[group],
        mode=ResultsMode.ANONYMOUS,
        landing_page=page,
        teachable_on=TeachableOn.SUBMIT,
    )
    campaign_submit(campaign=campaign, actor=alice)
    with django_capture_on_commit_callbacks(execute=True):
        campaign_approve(campaign=campaign, actor=operator_admin)
    sink.wait_for(6)
    campaign.refresh_from_db()
    return campaign


def _person_links(campaign: Campaign) -> list[str]:
    """Every foreign key to a recipient, in any model, that is set for this campaign."""
    from rempart.phishing.models import Recipient

    found = []
    for model in apps.get_models():
        for field in model._meta.get_fields():
            if isinstance(field, models.ForeignKey) and field.related_model is Recipient:
                rows = model.objects.filter(**{f"{field.name}__isnull": False})
                if model is Target:
                    rows = rows.filter(campaign=campaign)
                if rows.exists():
                    found.append(f"{model._meta.label}.{field.name}")
    return found


def test_sending_cuts_every_person_link(sent: Campaign, sink: Sink) -> None:
    targets = Target.objects.filter(campaign=sent)
    assert len(sink.handler.messages) == 6
    assert set(targets.values_list("state", flat=True)) == {TargetState.SENT}
    assert not targets.filter(recipient__isnull=False).exists()
    assert _person_links(sent) == []  # Target only: the directory itself stays
    assert sent.status == CampaignStatus.RUNNING
    assert sent.purged_at is not None
    entry = AuditEntry.objects.get(verb="phishing.campaign.purged")
    assert entry.actor_label == "anonymous mode"
    # the retention purge has nothing left to do
    Campaign.objects.filter(pk=sent.pk).update(retention_until="2000-01-01")
    assert campaigns_purge_expired() == 0


def test_the_cut_happens_with_each_message(sent: Campaign, monkeypatch: Any) -> None:
    # the per-message cut alone (the end-of-round sweep disabled) leaves no link either
    target = Target.objects.filter(campaign=sent).first()
    assert target is not None
    seen = []
    monkeypatch.setattr(sender, "anonymous_cut", seen.append)
    Target.objects.filter(pk=target.pk).update(
        state=TargetState.QUEUED, recipient=sent.groups.get().recipients.first()
    )
    Campaign.objects.filter(pk=sent.pk).update(status=CampaignStatus.SENDING)
    report = sender.send_due(campaign_id=sent.pk, budget_seconds=10)
    assert report.sent == 1
    assert seen  # the sweep was bypassed
    target.refresh_from_db()
    assert target.state == TargetState.SENT
    assert target.recipient_id is None


def test_clicks_reports_and_training_still_work_without_names(sent: Campaign) -> None:
    # delivered five minutes ago (a click seconds after delivery looks like a scanner)
    Target.objects.filter(campaign=sent).update(sent_at=timezone.now() - dt.timedelta(minutes=5))
    target = Target.objects.filter(campaign=sent).order_by("pk").first()
    assert target is not None
    client = TrackingClient()
    landing = client.get(f"/p/{target.token}/", **BROWSER)
    assert landing.status_code == 200
    body = html.unescape(landing.content.decode())
    assert "<h1>Bonjour" in body
    assert "()</h1>" in body  # the person's variables render empty
    assert CANARY_FIRST not in body
    assert CANARY_LAST not in body
    assert "agent" not in body
    target.refresh_from_db()
    assert target.clicked_at is not None
    assert Interaction.objects.filter(target=target, kind="click").exists()
    # a report forwarded to the mailbox is matched by its token
    mailbox = ReportMailboxFactory(establishment=sent.establishment)
    report = EmailMessage()
    report["From"] = "agent0@ch-alpha.example.fr"
    report["Subject"] = "TR: message suspect"
    report["Message-ID"] = "<anon@ch-alpha>"
    report.set_content(f"Lien : https://tracking.example/p/{target.token}/")
    recorded = report_ingest(mailbox=mailbox, raw=report.as_bytes())
    assert recorded is not None
    assert recorded.target_id == target.pk
    assert recorded.reporter == ""
    target.refresh_from_db()
    assert target.reported_at is not None
    # the training assignment (if any) points at the pseudonymous target only
    for training in TrainingAssignment.objects.filter(campaign=sent):
        assert training.target.recipient_id is None
    assert not PhishReport.objects.exclude(reporter="").filter(target__campaign=sent).exists()
    assert _person_links(sent) == []


def test_no_identified_results(sent: Campaign, alice: Any) -> None:
    with pytest.raises(CampaignError):
        campaign_identified_results(campaign=sent, actor=alice)
    if not Authenticator.objects.filter(user=alice).exists():
        give_totp(alice)
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(alice)
    args = [sent.establishment.slug, sent.public_id]
    identified = client.get(reverse("phishing:campaign_identified", args=args))
    assert CANARY_LAST not in identified.content.decode()
    exported = b"".join(
        client.get(reverse("phishing:campaign_export", args=args)).streaming_content
    ).decode()
    assert "email" not in exported.splitlines()[0]
    assert "@" not in exported
    detail = client.get(reverse("phishing:campaign_detail", args=args)).content.decode()
    assert "Nobody can tell who clicked." in detail
    assert not AuditEntry.objects.filter(verb__startswith="phishing.campaign.identified").exists()


def test_closing_cuts_the_links_of_unsent_messages(
    establishment_a: Any, alice: Any, operator_admin: Any
) -> None:
    group = engine.recipients(establishment_a, 3)
    campaign = engine.campaign(
        establishment_a, alice, port=1, groups=[group], mode=ResultsMode.ANONYMOUS
    )
    campaign_submit(campaign=campaign, actor=alice)
    campaign_approve(campaign=campaign, actor=operator_admin)  # nothing sent (no commit)
    assert Target.objects.filter(campaign=campaign, recipient__isnull=False).count() == 3
    assert anonymous_cut(campaign) == 0  # queued messages keep their link
    campaign_close(campaign=campaign, actor=alice)
    assert not Target.objects.filter(campaign=campaign, recipient__isnull=False).exists()
    campaign.refresh_from_db()
    assert campaign.purged_at is not None


def test_the_legal_kit_describes_the_anonymous_mode(
    establishment_a: Any, alice: Any, operator_admin: Any
) -> None:
    group = engine.recipients(establishment_a, 2)
    campaign = engine.campaign(
        establishment_a, alice, port=1, groups=[group], mode=ResultsMode.ANONYMOUS
    )
    client = Client()
    client.force_login(alice)
    for document in ("notice", "consultation", "record"):
        url = reverse(
            "phishing:legal_document", args=[establishment_a.slug, campaign.public_id, document]
        )
        page = html.unescape(client.get(url).content.decode())
        assert "supprimé dès l'envoi" in page, document
        assert "nominati" not in page.lower(), document
    notice = html.unescape(
        client.get(
            reverse(
                "phishing:legal_document", args=[establishment_a.slug, campaign.public_id, "notice"]
            )
        ).content.decode()
    )
    assert "les résultats sont anonymes" in notice
    assert "pas même avec un accès à la base de données" in notice
