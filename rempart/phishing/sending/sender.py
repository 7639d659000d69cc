"""The outbox worker: sends a campaign's due messages exactly once.

Each message is built first, then sent inside its own database transaction whose first
statement claims the target (`UPDATE … SET state = 'sent' WHERE id = … AND state =
'queued'`, which holds the row lock on PostgreSQL and the write lock on SQLite): the claim
commits only once the relay has accepted the message. A worker killed before the relay's
250 reply leaves the row queued (its transaction rolls back) and the next worker sends
it; a message accepted and committed is never sent again. The only window left is between
the relay's reply and the commit, microseconds long ("exactly once modulo the MTA").

Connections are persistent (one per lane); a token bucket per lane holds the profile's
rate (messages per second and per hour, divided among its lanes). Temporary refusals
(4xx) are retried with exponential backoff; permanent ones (5xx) are recorded as failed.
"""

from __future__ import annotations

import contextlib
import logging
import random
import smtplib
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.db import connection, transaction
from django.db.models import F, QuerySet
from django.utils import timezone

from rempart.phishing.campaigns.anonymity import anonymous_cut, cut_sent_link
from rempart.phishing.campaigns.scheduling import campaign_window
from rempart.phishing.choices import CampaignStatus, TargetState
from rempart.phishing.models import Campaign, CampaignVariant, Target
from rempart.phishing.sending.qr import uses_qr
from rempart.phishing.sending.rendering import render_message, target_context
from rempart.phishing.sending.smtp import (
    encoded_headers,
    envelope_sender,
    message_bytes,
    smtp_connect,
)

logger = logging.getLogger(__name__)
BATCH = 500
MAX_ATTEMPTS = 8
RECONNECTS = 3
LEASE = timedelta(minutes=5)
WAIT = timedelta(seconds=30)  # a lane waits for a message due this soon
TEMPORARY, PERMANENT = 400, 500  # SMTP reply classes


class TokenBucket:
    """`rate` tokens per second, at most `capacity` saved up; `take` sleeps when empty."""

    def __init__(self, rate: float, capacity: float, clock: Callable[[], float] = time.monotonic):
        self.rate, self.capacity, self.clock = rate, max(capacity, 1.0), clock
        self.tokens, self.stamp = self.capacity, clock()

    def take(self) -> None:
        now = self.clock()
        self.tokens = min(self.capacity, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        if self.tokens < 1.0:
            time.sleep((1.0 - self.tokens) / self.rate)
            self.stamp = self.clock()
            self.tokens = 1.0
        self.tokens -= 1.0


@dataclass
class SendReport:
    sent: int = 0
    failed: int = 0
    deferred: int = 0
    errors: list[str] = field(default_factory=list)


class Lane:
    """One SMTP connection and its share of the profile's rate."""

    def __init__(self, campaign: Campaign, lanes: int) -> None:
        profile = campaign.sending_profile
        if profile is None:
            raise ValueError("a campaign without a sending profile cannot send")
        self.campaign, self.profile = campaign, profile
        self.per_second = TokenBucket(
            profile.rate_per_second / lanes, profile.rate_per_second / lanes
        )
        self.per_hour = TokenBucket(
            profile.rate_per_hour / 3600 / lanes, profile.rate_per_hour / lanes
        )
        self.client: smtplib.SMTP | None = None
        self.variants = {v.pk: v for v in CampaignVariant.objects.filter(campaign=campaign)}
        self.qr = {pk: uses_qr(variant.html) for pk, variant in self.variants.items()}
        self.sender = envelope_sender(profile)
        self.headers = encoded_headers(profile)

    def connect(self) -> smtplib.SMTP:
        if self.client is None:
            self.client = smtp_connect(self.profile)
        return self.client

    def drop(self) -> None:
        if self.client is not None:
            with contextlib.suppress(smtplib.SMTPException, OSError):
                self.client.quit()
        self.client = None

    def payload(self, row: dict[str, Any]) -> bytes:
        """The message of one due target, built before any lock is taken."""
        variant = self.variants[row["variant_id"]]
        from_name = variant.from_name or self.profile.from_name
        context = target_context(
            token=row["token"],
            person={
                "first_name": row["recipient__first_name"],
                "last_name": row["recipient__last_name"],
                "email": row["recipient__email"],
                "department": row["department"],
                "job_family": row["job_family"],
            },
            establishment=self.campaign.establishment.name,
            from_name=from_name,
            pseudonym=row["pseudonym"],
        )
        rendered = render_message(
            subject=variant.subject,
            html=variant.html,
            text=variant.text,
            context=context,
            with_qr=self.qr[variant.pk],
        )
        return message_bytes(
            profile=self.profile,
            to=row["recipient__email"],
            rendered=rendered,
            from_name=from_name,
            token=row["token"],
            extra_headers=self.headers,
        )


def send_due(
    *, campaign_id: int, lane: int = 0, lanes: int = 1, budget_seconds: float = 240.0
) -> SendReport:
    """Send this lane's due messages of a campaign until none is due or the budget is spent."""
    campaign = Campaign.objects.select_related("sending_profile", "establishment").get(
        pk=campaign_id
    )
    report = SendReport()
    if campaign.status not in (CampaignStatus.SCHEDULED, CampaignStatus.SENDING):
        return report
    _mark(campaign, CampaignStatus.SENDING)
    worker = Lane(campaign, lanes)
    window = campaign_window(campaign)
    deadline = time.monotonic() + budget_seconds
    try:
        while time.monotonic() < deadline and window.contains(timezone.now()):
            due = _due_rows(campaign, lane, lanes)
            if not due:
                if _wait_for_next(campaign, lane, lanes, deadline):
                    continue
                break
            if not _send_batch(worker, due, report, deadline):
                break
    finally:
        worker.drop()
    _finish(campaign)
    return report


def _wait_for_next(campaign: Campaign, lane: int, lanes: int, deadline: float) -> bool:
    """Sleep until this lane's next queued message is due when that is soon (within WAIT and
    the budget); False when there is nothing left soon (the scheduler comes back later)."""
    upcoming = (
        _lane(Target.objects.filter(campaign=campaign, state=TargetState.QUEUED), lane, lanes)
        .order_by("send_at")
        .values_list("send_at", flat=True)[:1]
        .first()
    )
    if upcoming is None:
        return False
    delay = (upcoming - timezone.now()).total_seconds()
    if delay > min(WAIT.total_seconds(), deadline - time.monotonic()):
        return False
    time.sleep(max(delay, 0.0) + 0.001)
    return True


ROW_FIELDS = (
    "pk",
    "token",
    "variant_id",
    "pseudonym",
    "department",
    "job_family",
    "attempts",
    "recipient__email",
    "recipient__first_name",
    "recipient__last_name",
)


def _due_rows(campaign: Campaign, lane: int, lanes: int) -> list[dict[str, Any]]:
    """This lane's due targets with what their messages need, in one query."""
    due = Target.objects.filter(
        campaign=campaign,
        state=TargetState.QUEUED,
        send_at__lte=timezone.now(),
        recipient__isnull=False,
    )
    return list(_lane(due, lane, lanes).order_by("send_at").values(*ROW_FIELDS)[:BATCH])


def _lane(targets: QuerySet[Target], lane: int, lanes: int) -> QuerySet[Target]:
    """The targets of one lane (lanes split a campaign by primary key)."""
    return targets.annotate(lane=F("pk") % lanes).filter(lane=lane) if lanes > 1 else targets


def _send_batch(
    worker: Lane, due: list[dict[str, Any]], report: SendReport, deadline: float
) -> bool:
    """Send the batch; False when the relay cannot be reached (stop this round)."""
    for row in due:
        if time.monotonic() >= deadline:
            return False
        payload = worker.payload(row)
        worker.per_second.take()
        worker.per_hour.take()
        if not _send_with_reconnect(worker, row, payload, report):
            return False
    return True


def _send_with_reconnect(
    worker: Lane, row: dict[str, Any], payload: bytes, report: SendReport
) -> bool:
    for attempt in range(RECONNECTS):
        try:
            _send_one(worker, row, payload, report)
            return True
        except (smtplib.SMTPServerDisconnected, smtplib.SMTPConnectError, OSError) as error:
            worker.drop()
            logger.warning("SMTP connection lost (%s), attempt %d", error, attempt + 1)
            time.sleep(0.5 * (attempt + 1))
    report.errors.append(f"relay {worker.profile.host}:{worker.profile.port} unreachable")
    return False


CLAIM = (
    "UPDATE {table} SET state = %s, sent_at = %s, attempts = attempts + 1, last_error = '' "
    "WHERE id = %s AND state = %s AND recipient_id IS NOT NULL"
)


def _claim(pk: int, now: datetime) -> bool:
    """Mark the target sent at `now` inside the open transaction; this row lock (PostgreSQL)
    or the write lock (SQLite) is held until the relay's answer is recorded. False when
    another worker sent it, or it was cancelled."""
    sql = CLAIM.format(table=connection.ops.quote_name(Target._meta.db_table))
    at = connection.ops.adapt_datetimefield_value(now)
    with connection.cursor() as cursor:
        cursor.execute(sql, [TargetState.SENT.value, at, pk, TargetState.QUEUED.value])
        return bool(cursor.rowcount)


def _launched(campaign: Campaign, now: datetime) -> None:
    """The campaign's first accepted message is its actual launch (`launched_at`), whatever
    started the sending (the approval's dispatch, the scheduler, `phishing_send`). Written in
    the message's transaction, so that a rollback leaves both unsent; one UPDATE per lane."""
    if campaign.launched_at is None:
        Campaign.objects.filter(pk=campaign.pk, launched_at__isnull=True).update(launched_at=now)
        campaign.launched_at = now


def _send_one(worker: Lane, row: dict[str, Any], payload: bytes, report: SendReport) -> None:
    """One message in one transaction: claimed, sent, committed. A lost connection (or a
    killed worker) rolls the claim back, so the row stays queued."""
    now = timezone.now()
    with transaction.atomic():
        if not _claim(row["pk"], now):
            return
        client = worker.connect()
        try:
            refused = client.sendmail(worker.sender, [row["recipient__email"]], payload)
        except smtplib.SMTPRecipientsRefused as error:
            code, text = next(iter(error.recipients.values()))
            _refused(worker, row, int(code), text, report)
            return
        except (smtplib.SMTPSenderRefused, smtplib.SMTPDataError) as error:
            _refused(worker, row, error.smtp_code, error.smtp_error, report)
            return
        if refused:
            code, text = next(iter(refused.values()))
            _refused(worker, row, int(code), text, report)
            return
        cut_sent_link(worker.campaign, row["pk"])  # anonymous mode: in the claim's transaction
        _launched(worker.campaign, now)
        report.sent += 1


def _refused(worker: Lane, row: dict[str, Any], code: int, text: Any, report: SendReport) -> None:
    """The relay refused: retry later (4xx) or record the failure (5xx), replacing the claim."""
    reason = f"{code} {text.decode(errors='replace') if isinstance(text, bytes) else text}"[:300]
    try:
        worker.connect().rset()
    except (smtplib.SMTPException, OSError):
        worker.drop()
    attempts = row["attempts"] + 1
    targets = Target.objects.filter(pk=row["pk"])
    if TEMPORARY <= code < PERMANENT and attempts < MAX_ATTEMPTS:
        delay = timedelta(minutes=2**attempts, seconds=random.uniform(0, 30))  # noqa: S311
        targets.update(
            state=TargetState.QUEUED,
            sent_at=None,
            attempts=attempts,
            last_error=reason,
            send_at=timezone.now() + delay,
        )
        report.deferred += 1
        return
    targets.update(state=TargetState.FAILED, sent_at=None, attempts=attempts, last_error=reason)
    report.failed += 1


def _mark(campaign: Campaign, status: str) -> None:
    if campaign.status != status:
        Campaign.objects.filter(pk=campaign.pk, status=campaign.status).update(status=status)
        campaign.status = status


def _finish(campaign: Campaign) -> None:
    """All messages handled: the campaign is running (tracking continues)."""
    Campaign.objects.filter(pk=campaign.pk).update(sender_lease_until=None)
    anonymous_cut(campaign)
    if not Target.objects.filter(campaign=campaign, state=TargetState.QUEUED).exists():
        Campaign.objects.filter(pk=campaign.pk, status=CampaignStatus.SENDING).update(
            status=CampaignStatus.RUNNING
        )


def campaigns_due() -> list[int]:
    """Campaigns with messages due now whose sender lease is free."""
    now = timezone.now()
    return list(
        Campaign.objects.filter(
            status__in=[CampaignStatus.SCHEDULED, CampaignStatus.SENDING],
            targets__state=TargetState.QUEUED,
            targets__send_at__lte=now,
        )
        .exclude(sender_lease_until__gt=now)
        .values_list("pk", flat=True)
        .distinct()
    )


def lanes_claim(campaign_id: int) -> int:
    """Take the campaign's sender lease; the number of lanes to start (0: already taken)."""
    now = timezone.now()
    taken = (
        Campaign.objects.filter(pk=campaign_id)
        .exclude(sender_lease_until__gt=now)
        .update(sender_lease_until=now + LEASE)
    )
    if not taken:
        return 0
    if connection.vendor == "sqlite":
        return 1  # one writer at a time: a second lane would only wait for the lock
    profile = Campaign.objects.select_related("sending_profile").get(pk=campaign_id).sending_profile
    return max(1, profile.connections if profile else 1)
