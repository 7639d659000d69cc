"""Campaigns with known results, built directly (no sending): for the API and the regional
comparison tests. Recipients carry canary names and addresses that must never leak."""

from __future__ import annotations

import datetime as dt
from typing import Any

from rempart.phishing.models import Campaign
from rempart.phishing.tests.factories import (
    CampaignFactory,
    CampaignVariantFactory,
    InteractionFactory,
    RecipientFactory,
    TargetFactory,
)

CANARY_FIRST_NAME = "Canarinette"
CANARY_LAST_NAME = "Oiseau-Secret"
CANARY_DOMAIN = "canari.example.fr"


def sent_campaign(
    establishment: Any,
    *,
    template: Any,
    launched_at: dt.datetime,
    sent: int,
    opened: int = 0,
    clicked: int = 0,
    scanner_clicks: int = 0,
    submitted: int = 0,
    reported: int = 0,
    first_report_after: dt.timedelta = dt.timedelta(minutes=30),
    status: str = "closed",
    department: str = "Soins",
) -> Campaign:
    """`sent` targets, all sent at `launched_at` + i seconds. The first `opened` opened, the
    first `clicked` clicked as confirmed humans (with a click hit), the next
    `scanner_clicks` only got a scanner's click hit, the first `submitted` submitted; the
    last `reported` reported (before clicking, unless they also clicked), the earliest
    `first_report_after` after the first message."""
    campaign = CampaignFactory(
        establishment=establishment, status=status, launched_at=launched_at, launch_at=launched_at
    )
    variant = CampaignVariantFactory(
        establishment=establishment,
        campaign=campaign,
        template=template,
        subject=template.subject,
        difficulty=template.difficulty,
    )
    for i in range(sent):
        _target(
            establishment,
            variant,
            i,
            launched_at=launched_at,
            department=department,
            opened=i < opened,
            clicked=i < clicked,
            submitted=i < submitted,
            reported_after=first_report_after + dt.timedelta(minutes=i - (sent - reported))
            if i >= sent - reported
            else None,
        )
    for target in campaign.targets.order_by("pseudonym")[clicked : clicked + scanner_clicks]:
        InteractionFactory(
            establishment=establishment,
            target=target,
            kind="click",
            scanner=True,
            signals=["too_fast"],
        )
    return campaign


def _pseudonym(campaign: Campaign, index: int) -> str:
    return f"C{campaign.pk:03d}-{index:04d}"


def _target(
    establishment: Any,
    variant: Any,
    index: int,
    *,
    launched_at: dt.datetime,
    department: str,
    opened: bool,
    clicked: bool,
    submitted: bool,
    reported_after: dt.timedelta | None,
) -> None:
    sent_at = launched_at + dt.timedelta(seconds=index)
    at = sent_at + dt.timedelta(minutes=5)
    recipient = RecipientFactory(
        establishment=establishment,
        email=f"canari-{variant.campaign.pk}-{index}@{CANARY_DOMAIN}",
        first_name=CANARY_FIRST_NAME,
        last_name=CANARY_LAST_NAME,
        department=department,
    )
    target = TargetFactory(
        establishment=establishment,
        variant=variant,
        recipient=recipient,
        pseudonym=_pseudonym(variant.campaign, index),
        department=department,
        job_family="Infirmier",
        state="sent",
        send_at=sent_at,
        sent_at=sent_at,
        opened_at=at if opened else None,
        clicked_at=at if clicked else None,
        confirmed_at=at if clicked else None,
        submitted_at=at + dt.timedelta(minutes=1) if submitted else None,
        reported_at=launched_at + reported_after if reported_after is not None else None,
    )
    if clicked:
        InteractionFactory(establishment=establishment, target=target, kind="click", at=at)
