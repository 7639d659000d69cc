"""Tasks of the phishing app: thin, each calls one service."""

from __future__ import annotations

from typing import Any

from celery import shared_task

from rempart.phishing.campaigns.services import campaigns_purge_expired
from rempart.phishing.reports.imap import mailboxes_poll_all
from rempart.phishing.sending import sender


@shared_task(name="phishing.dispatch")
def dispatch_task() -> int:
    """Start sending the campaigns that have messages due (every 30 s, from the scheduler)."""
    due = sender.campaigns_due()
    for campaign_id in due:
        dispatch_campaign.delay(campaign_id)
    return len(due)


@shared_task(name="phishing.dispatch_campaign")
def dispatch_campaign(campaign_id: int) -> int:
    """Take the campaign's sender lease and start one task per SMTP connection."""
    lanes = sender.lanes_claim(campaign_id)
    for lane in range(lanes):
        send_lane_task.delay(campaign_id, lane, lanes)
    return lanes


@shared_task(name="phishing.send_lane")
def send_lane_task(campaign_id: int, lane: int, lanes: int) -> dict[str, Any]:
    report = sender.send_due(campaign_id=campaign_id, lane=lane, lanes=lanes)
    return {"sent": report.sent, "failed": report.failed, "deferred": report.deferred}


@shared_task(name="phishing.purge_expired")
def purge_expired_task() -> int:
    """Cut the person ↔ result link of campaigns past their retention date."""
    return campaigns_purge_expired()


@shared_task(name="phishing.poll_mailboxes", ignore_result=True, soft_time_limit=300)
def poll_mailboxes_task() -> int:
    """Poll every enabled report mailbox; returns how many were polled."""
    return len(mailboxes_poll_all())
