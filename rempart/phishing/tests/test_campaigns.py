"""The campaign engine end to end against a real SMTP server (aiosmtpd): approval by a
second person, targets only in verified domains, each message sent once, 4xx deferred,
5xx failed, autoescaped personal fields."""

from __future__ import annotations

import email
from collections.abc import Iterator
from email import policy
from typing import Any

import pytest
from django.utils import translation

from rempart.core.errors import ApplicationError, PermissionDeniedError
from rempart.phishing.campaigns.services import campaign_approve, campaign_submit
from rempart.phishing.choices import CampaignStatus, TargetState
from rempart.phishing.models import Target
from rempart.phishing.sending import sender
from rempart.phishing.tests import engine
from rempart.phishing.tests.factories import EmailTemplateFactory, RecipientFactory
from rempart.phishing.tests.sink import Sink

pytestmark = pytest.mark.django_db


@pytest.fixture
def sink() -> Iterator[Sink]:
    server = Sink().start()
    yield server
    server.stop()


@pytest.fixture
def launch(django_capture_on_commit_callbacks: Any) -> Any:
    """Submit and approve; the approval's on-commit dispatch runs (eagerly, in tests)."""

    def run(campaign: Any, creator: Any, approver: Any) -> int:
        campaign_submit(campaign=campaign, actor=creator)
        with django_capture_on_commit_callbacks(execute=True):
            return campaign_approve(campaign=campaign, actor=approver)

    return run


def test_a_campaign_sends_each_message_once_with_its_own_token(
    sink: Sink, establishment_a: Any, alice: Any, operator_admin: Any, launch: Any
) -> None:
    group = engine.recipients(establishment_a, 30)
    outsider = RecipientFactory(establishment=establishment_a, group=group, email="x@gmail.example")
    campaign = engine.campaign(establishment_a, alice, port=sink.port, groups=[group])

    assert launch(campaign, alice, operator_admin) == 30  # the outsider is not a target
    # approval enqueued the sending (eager in tests): every message reached the relay
    received = sink.wait_for(30)
    tokens = sink.handler.tokens()
    assert len(received) == 30
    assert set(tokens.values()) == {1}
    assert set(tokens) == set(
        Target.objects.filter(campaign=campaign).values_list("token", flat=True)
    )
    assert outsider.email not in {r for m in received for r in m.recipients}
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.RUNNING
    assert Target.objects.filter(campaign=campaign, state=TargetState.SENT).count() == 30
    # a second round sends nothing more
    assert sender.send_due(campaign_id=campaign.pk).sent == 0
    assert len(sink.handler.messages) == 30


def test_the_message_is_rendered_with_the_link_and_escaped_names(
    sink: Sink, establishment_a: Any, alice: Any, operator_admin: Any, launch: Any
) -> None:
    group = engine.recipients(establishment_a, 1)
    group.recipients.update(first_name='<b onmouseover="x">Zoé</b>')
    campaign = engine.campaign(establishment_a, alice, port=sink.port, groups=[group])
    launch(campaign, alice, operator_admin)
    message = email.message_from_bytes(sink.wait_for(1)[0].raw, policy=policy.default)
    html = message.get_body(("html",)).get_content()  # type: ignore[union-attr]
    target = Target.objects.get(campaign=campaign)
    assert f"/p/{target.token}/" in html
    assert "&lt;b onmouseover=" in html
    assert "<b onmouseover" not in html
    assert message["Subject"] == "Votre boîte aux lettres est pleine"


def test_approval_needs_a_second_person(establishment_a: Any, alice: Any) -> None:
    group = engine.recipients(establishment_a, 2)
    campaign = engine.campaign(establishment_a, alice, port=1, groups=[group])
    campaign_submit(campaign=campaign, actor=alice)
    with pytest.raises(PermissionDeniedError):
        campaign_approve(campaign=campaign, actor=alice)
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.PENDING
    assert not campaign.targets.exists()


def test_no_recipient_in_a_verified_domain_cannot_be_submitted(
    establishment_a: Any, alice: Any
) -> None:
    group = engine.recipients(establishment_a, 0)
    RecipientFactory(establishment=establishment_a, group=group, email="a@unverified.example")
    campaign = engine.campaign(establishment_a, alice, port=1, groups=[group])
    with translation.override("en"), pytest.raises(ApplicationError, match="verified domain"):
        campaign_submit(campaign=campaign, actor=alice)


def test_temporary_refusals_are_retried_later_and_permanent_ones_fail(
    sink: Sink, establishment_a: Any, alice: Any, operator_admin: Any, launch: Any
) -> None:
    group = engine.recipients(establishment_a, 4)
    sink.handler.replies = {
        "agent0@ch-alpha.example.fr": "451 4.7.1 Greylisted, try later",
        "agent1@ch-alpha.example.fr": "550 5.1.1 No such user",
    }
    campaign = engine.campaign(establishment_a, alice, port=sink.port, groups=[group])
    launch(campaign, alice, operator_admin)
    sink.wait_for(2)
    states = dict(Target.objects.filter(campaign=campaign).values_list("recipient__email", "state"))
    assert states["agent0@ch-alpha.example.fr"] == TargetState.QUEUED  # deferred, not lost
    assert states["agent1@ch-alpha.example.fr"] == TargetState.FAILED
    deferred = Target.objects.get(recipient__email="agent0@ch-alpha.example.fr")
    assert deferred.attempts == 1
    assert deferred.last_error.startswith("451")
    assert deferred.send_at > deferred.created_at
    failed = Target.objects.get(recipient__email="agent1@ch-alpha.example.fr")
    assert failed.last_error.startswith("550")
    assert len(sink.handler.messages) == 2
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.SENDING  # one message still to retry


def test_an_unreachable_relay_keeps_every_message_queued(
    establishment_a: Any, alice: Any, operator_admin: Any, launch: Any
) -> None:
    from tests.processes import free_port

    group = engine.recipients(establishment_a, 3)
    campaign = engine.campaign(establishment_a, alice, port=free_port(), groups=[group])
    launch(campaign, alice, operator_admin)
    assert set(Target.objects.filter(campaign=campaign).values_list("state", flat=True)) == {
        TargetState.QUEUED
    }
    report = sender.send_due(campaign_id=campaign.pk)
    assert report.sent == 0
    assert "unreachable" in report.errors[0]


def test_variants_split_the_recipients(
    sink: Sink, establishment_a: Any, alice: Any, operator_admin: Any, launch: Any
) -> None:
    group = engine.recipients(establishment_a, 20)
    templates = [
        EmailTemplateFactory(establishment=establishment_a, subject=s) for s in ("A1", "B1")
    ]
    campaign = engine.campaign(
        establishment_a, alice, port=sink.port, groups=[group], templates=templates
    )
    launch(campaign, alice, operator_admin)
    subjects = sorted(m.subject for m in sink.wait_for(20))
    assert subjects.count("A1") == 10
    assert subjects.count("B1") == 10


def test_expired_campaigns_are_purged_and_counted(
    establishment_a: Any, alice: Any, operator_admin: Any
) -> None:
    import datetime as dt

    from django.utils import timezone

    from rempart.phishing.campaigns.services import campaigns_purge_expired
    from rempart.phishing.models import Campaign

    # given two launched campaigns, one past its retention date, and an expired draft
    group = engine.recipients(establishment_a, 2)
    expired, kept, draft = (
        engine.campaign(establishment_a, alice, port=1, groups=[group]) for _ in range(3)
    )
    for campaign in (expired, kept):
        campaign_submit(campaign=campaign, actor=alice)
        campaign_approve(campaign=campaign, actor=operator_admin)
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    Campaign.objects.filter(pk__in=[expired.pk, draft.pk]).update(retention_until=yesterday)
    # when the periodic purge runs (twice)
    assert campaigns_purge_expired() == 1
    assert campaigns_purge_expired() == 0
    # then only the launched, expired campaign lost its person links
    assert not Target.objects.filter(campaign=expired, recipient__isnull=False).exists()
    assert Target.objects.filter(campaign=kept, recipient__isnull=False).count() == 2
    draft.refresh_from_db()
    assert draft.purged_at is None
