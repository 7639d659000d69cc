"""A campaign's actual launch (`Campaign.launched_at`): the moment its first message was
accepted by the relay, whichever way the sending started (the approval's dispatch, the
scheduler, `rempart phishing_send`); existing campaigns get it from their first sent target."""

from __future__ import annotations

import datetime as dt
import importlib
from typing import Any

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db.models import Min
from rest_framework.test import APIClient

from rempart.accounts.services import api_token_create
from rempart.phishing.campaigns.services import campaign_approve, campaign_submit
from rempart.phishing.choices import CampaignStatus
from rempart.phishing.models import Campaign, Target
from rempart.phishing.results import compare
from rempart.phishing.tests import engine
from rempart.phishing.tests.factories import (
    CampaignFactory,
    CampaignVariantFactory,
    TargetFactory,
)
from rempart.phishing.tests.sink import Sink
from rempart.tenancy.models import Establishment

pytestmark = pytest.mark.django_db

BACKFILL = "rempart.phishing.migrations.0006_campaign_launched_at_backfill"


def _first_sent(campaign: Campaign) -> dt.datetime | None:
    first: dt.datetime | None = Target.objects.filter(campaign=campaign).aggregate(
        first=Min("sent_at")
    )["first"]
    return first


def test_a_campaign_sent_as_soon_as_approved_records_its_launch(
    sink: Sink,
    establishment_a: Any,
    alice: Any,
    operator_admin: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    # given: no planned launch ("as soon as approved")
    group = engine.recipients(establishment_a, 6)
    campaign = engine.campaign(establishment_a, alice, port=sink.port, groups=[group])
    campaign_submit(campaign=campaign, actor=alice)
    # when: the approval's dispatch sends (eagerly, in tests)
    with django_capture_on_commit_callbacks(execute=True):
        campaign_approve(campaign=campaign, actor=operator_admin)
    sink.wait_for(6)
    # then
    campaign.refresh_from_db()
    assert campaign.launch_at is None
    assert campaign.launched_at is not None
    assert campaign.launched_at == _first_sent(campaign)
    # the API shows it, and the regional comparison counts the campaign
    client = APIClient()
    secret = api_token_create(user=alice, name="t", scopes=["phishing:read"]).secret
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    row = client.get(f"/api/v1/phishing-campaigns/{campaign.public_id}/").json()
    assert row["launched_at"] is not None
    groups = compare.comparison_groups(
        establishments=Establishment.objects.filter(pk=establishment_a.pk), period=None
    )
    assert [line.campaigns for group in groups for line in group.lines] == [{campaign.pk}]
    assert groups[0].lines[0].funnel.sent == 6


def test_approval_is_not_the_launch_the_command_that_sends_is(
    sink: Sink, establishment_a: Any, alice: Any, operator_admin: Any
) -> None:
    # given: approved, its dispatch not run (on-commit callbacks are not executed here)
    group = engine.recipients(establishment_a, 3)
    campaign = engine.campaign(establishment_a, alice, port=sink.port, groups=[group])
    campaign_submit(campaign=campaign, actor=alice)
    campaign_approve(campaign=campaign, actor=operator_admin)
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.SCHEDULED
    assert campaign.launched_at is None
    # when
    call_command("phishing_send", str(campaign.public_id))
    # then
    campaign.refresh_from_db()
    assert len(sink.handler.messages) == 3
    assert campaign.launched_at == _first_sent(campaign)


def test_a_refused_message_is_not_a_launch(
    sink: Sink, establishment_a: Any, alice: Any, operator_admin: Any
) -> None:
    group = engine.recipients(establishment_a, 1)
    sink.handler.replies = {"agent0@ch-alpha.example.fr": "550 5.1.1 No such user"}
    campaign = engine.campaign(establishment_a, alice, port=sink.port, groups=[group])
    campaign_submit(campaign=campaign, actor=alice)
    campaign_approve(campaign=campaign, actor=operator_admin)
    call_command("phishing_send", str(campaign.public_id))
    campaign.refresh_from_db()
    assert campaign.launched_at is None


def test_existing_launched_campaigns_are_backfilled_from_their_first_sent_target(
    establishment_a: Any,
) -> None:
    # given: campaigns launched before the fix (no launched_at)
    first = dt.datetime(2025, 3, 4, 9, 30, tzinfo=dt.UTC)
    sent = _variant(establishment_a, status=CampaignStatus.RUNNING)
    for offset in (5, 0, 60):
        _target(sent, state="sent", sent_at=first + dt.timedelta(minutes=offset))
    _target(sent, state="failed", sent_at=None)
    unsent = _variant(establishment_a, status=CampaignStatus.SCHEDULED)
    _target(unsent, sent_at=None)
    known = dt.datetime(2025, 1, 2, 8, 0, tzinfo=dt.UTC)
    recorded = _variant(establishment_a, status=CampaignStatus.CLOSED, launched_at=known)
    _target(recorded, state="sent", sent_at=first)
    # when: the data migration runs
    importlib.import_module(BACKFILL).backfill_launched_at(apps, None)
    # then
    stamps = dict(Campaign.objects.values_list("pk", "launched_at"))
    assert stamps == {
        sent.campaign_id: first,
        unsent.campaign_id: None,
        recorded.campaign_id: known,
    }


def _variant(establishment: Any, **campaign: Any) -> Any:
    return CampaignVariantFactory(
        establishment=establishment,
        campaign=CampaignFactory(establishment=establishment, **campaign),
    )


def _target(variant: Any, **fields: Any) -> Any:
    return TargetFactory(establishment=variant.establishment, variant=variant, **fields)
