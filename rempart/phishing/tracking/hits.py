"""Tracking hits (services of the public `/p/<token>/` pages): one indexed lookup, one insert,
one conditional update per hit.

A hit never loads the campaign's other targets or events (GoPhish loads the whole campaign
on every open and click). Every hit — open, click, form submission, gesture beacon — is kept
with the signals that suggest a mail-security scanner rather than a person; a click counts
as human-confirmed only when the page reports a user gesture or a form is submitted, and
only when that gesture or submission has no such signal itself (sandboxes run pages and
post their forms too). Submitted values are never read: only field names.
"""

from __future__ import annotations

import ipaddress
import re
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any, TypeVar, cast

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from rempart.core.db import write_turn
from rempart.phishing.choices import InteractionKind, ScannerSignal, TargetState
from rempart.phishing.models import (
    Campaign,
    CampaignVariant,
    Interaction,
    ReportMailbox,
    Target,
    TrainingAssignment,
)
from rempart.phishing.tracking import sql
from rempart.webhooks import events as webhook_events
from rempart.webhooks import services as webhooks

TOKEN = re.compile(r"^[A-Za-z0-9_-]{20,64}$")
BURST_SECONDS = 5
BURST_TOKENS = 10  # other targets reached from one network within BURST_SECONDS
# Kinds of hit a scanner makes in bursts (an image proxy fetching every pixel is not one).
BURST_KINDS = (InteractionKind.CLICK, InteractionKind.SUBMIT, InteractionKind.HUMAN)
FIRST_FIELD = {
    InteractionKind.OPEN: "opened_at",
    InteractionKind.CLICK: "clicked_at",
    InteractionKind.HUMAN: "confirmed_at",
    InteractionKind.SUBMIT: "submitted_at",
    InteractionKind.LEARN: "trained_at",
    InteractionKind.REPORT: "reported_at",
}
AUTOMATED_AGENTS = re.compile(
    r"bot|crawl|spider|python|curl|wget|go-http|java/|okhttp|libwww|httpclient|headless"
    r"|preview|proxy|scanner|safelinks|mimecast|proofpoint|barracuda|urldefense|^mozilla/4\.0",
    re.IGNORECASE,
)
OLD_BROWSER = re.compile(r"Chrome/([0-9]+)\.|Windows NT [56]\.", re.IGNORECASE)
OLDEST_CHROME = 100


@dataclass(frozen=True)
class Hit:
    """What the view knows about a request (the full address is not kept)."""

    method: str
    ip: str | None
    user_agent: str
    prefetch: bool = False


@lru_cache(maxsize=1)
def _scanner_networks() -> tuple[Any, ...]:
    return tuple(
        ipaddress.ip_network(net, strict=False) for net in settings.PHISHING_SCANNER_NETWORKS
    )


def target_for_token(token: str, *, pages: bool = True) -> Target | None:
    """The target of a token, in one indexed query; with what its pages need (campaign,
    landing page, establishment, sending profile, variant: kept PAGES_SECONDS per process,
    since every recipient of a campaign shares them) when `pages`. The person is read only
    by a landing page that names them. None if unknown or cancelled."""
    if not TOKEN.match(token):
        return None
    target = sql.target_by_token(token)
    if target is None or target.state == TargetState.CANCELLED:
        return None
    if pages:
        target.campaign = _kept(("campaign", target.campaign_id), _campaign_for_pages)
        target.variant = _kept(("variant", target.variant_id), _variant_for_pages)
    return target


Kept = TypeVar("Kept")
PAGES: dict[tuple[str, int], tuple[float, Any]] = {}
PAGES_SECONDS = 30.0


def _kept(key: tuple[str, int], load: Callable[[int], Kept]) -> Kept:
    """A campaign-wide object shared by every hit of the campaign, read again after
    PAGES_SECONDS (an edited landing page shows within that time)."""
    now = time.monotonic()
    cached = PAGES.get(key)
    if cached and cached[0] > now:
        return cast(Kept, cached[1])
    value = load(key[1])
    PAGES[key] = (now + PAGES_SECONDS, value)
    return value


def _campaign_for_pages(pk: int) -> Campaign:
    campaigns = Campaign.objects.select_related("landing_page", "establishment", "sending_profile")
    campaign: Campaign = campaigns.get(pk=pk)
    return campaign


def _variant_for_pages(pk: int) -> CampaignVariant:
    return CampaignVariant.objects.get(pk=pk)


def ip_prefix(ip: str | None) -> str:
    """The network of an address (/24 or /48): enough to score, not to identify."""
    if not ip:
        return ""
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return ""
    bits = 24 if address.version == 4 else 48  # noqa: PLR2004
    return str(ipaddress.ip_network(f"{address}/{bits}", strict=False))


def signals(
    target: Target, hit: Hit, now: datetime, kind: str = InteractionKind.CLICK
) -> list[str]:
    """Why this hit may not be a person (empty: nothing suspicious)."""
    found = []
    if (
        target.sent_at is None
        or (now - target.sent_at).total_seconds() < settings.PHISHING_SCANNER_SECONDS
    ):
        found.append(ScannerSignal.TOO_FAST.value)
    if hit.ip and _in_scanner_network(hit.ip):
        found.append(ScannerSignal.SCANNER_NETWORK.value)
    if (
        not hit.user_agent
        or AUTOMATED_AGENTS.search(hit.user_agent)
        or _old_browser(hit.user_agent)
    ):
        found.append(ScannerSignal.AUTOMATED_AGENT.value)
    if hit.method == "HEAD" or hit.prefetch:
        found.append(ScannerSignal.PREFETCH.value)
    if kind in BURST_KINDS and _burst(ip_prefix(hit.ip), target.pk, now):
        found.append(ScannerSignal.BURST.value)
    return found


def _in_scanner_network(ip: str) -> bool:
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return False
    return any(address in network for network in _scanner_networks())


def _old_browser(agent: str) -> bool:
    match = OLD_BROWSER.search(agent)
    if not match:
        return False
    return match.group(1) is None or int(match.group(1)) < OLDEST_CHROME


def _burst(prefix: str, target_id: int, now: datetime) -> bool:
    """One network reaching more than BURST_TOKENS other targets within BURST_SECONDS: a
    scanner opening every link of a delivery (an indexed range read of a few rows). The
    threshold is high enough for a hospital whose staff share one NAT address."""
    if not prefix:
        return False
    since = now - timedelta(seconds=BURST_SECONDS)
    return sql.other_targets_from(prefix, since, target_id, BURST_TOKENS + 1) > BURST_TOKENS


def record(
    target: Target,
    kind: str,
    hit: Hit,
    *,
    field_names: list[str] | None = None,
    found: list[str] | None = None,
) -> None:
    """Store one hit and set the target's first-time stamp of that kind (O(1) queries).
    `found`: the hit's signals when the caller has already scored the request."""
    now = timezone.now()
    if found is None:
        found = signals(target, hit, now, kind)
    scanner = bool(found)
    with write_turn(), transaction.atomic():
        sql.interaction_insert(
            public_id=uuid.uuid4(),
            created_at=now,
            updated_at=now,
            establishment=target.establishment_id,
            campaign=target.campaign_id,
            target=target.pk,
            kind=kind,
            at=now,
            method=hit.method[:8],
            ip_prefix=ip_prefix(hit.ip),
            user_agent=hit.user_agent[:300],
            signals=found,
            scanner=scanner,
            field_names=(field_names or [])[:50],
        )
        stamp = FIRST_FIELD[InteractionKind(kind)]
        if not scanner and getattr(target, stamp) is None:
            sql.first_stamp(target.pk, stamp, now)
            setattr(target, stamp, now)
        if kind == InteractionKind.SUBMIT and not scanner:
            webhooks.emit(
                target.establishment_id,
                webhook_events.TARGET_SUBMITTED,
                lambda: webhook_events.target_payload(target, kind, now),
            )


def record_submission(target: Target, hit: Hit, *, field_names: list[str]) -> bool:
    """A landing page's form was posted, scored like a click. A person's submission confirms
    the click, assigns training and counts the teachable page as read; a scanner's is kept
    with its signals, nothing more. True for a person."""
    found = signals(target, hit, timezone.now(), InteractionKind.SUBMIT)
    record(target, InteractionKind.SUBMIT, hit, field_names=field_names, found=found)
    if found:
        return False
    confirm_human(target, hit, reason=InteractionKind.SUBMIT)
    record(target, InteractionKind.LEARN, hit, found=[])
    return True


def record_gesture(target: Target, hit: Hit, *, learn: bool) -> bool:
    """The page reported a user gesture, scored like a click. A person's confirms the click
    and assigns training (and, on the teachable page, counts it as read); a scanner's is kept
    with its signals, nothing more. True for a person."""
    found = signals(target, hit, timezone.now(), InteractionKind.HUMAN)
    if found:
        record(target, InteractionKind.HUMAN, hit, found=found)
        return False
    confirm_human(target, hit, reason=InteractionKind.CLICK)
    if learn:
        record(target, InteractionKind.LEARN, hit, found=[])
    return True


def confirm_human(target: Target, hit: Hit, *, reason: str) -> bool:
    """A person is behind the click (a gesture on the page, or a submission, that the caller
    scored as human): confirm the click and record who should be trained. True when a
    training was newly assigned."""
    now = timezone.now()
    with write_turn(), transaction.atomic():
        if target.clicked_at is None:
            Target.objects.filter(pk=target.pk, clicked_at__isnull=True).update(clicked_at=now)
        if target.confirmed_at is None:
            record(target, InteractionKind.HUMAN, hit, found=[])
        _, created = TrainingAssignment.objects.get_or_create(
            target=target,
            defaults={
                "establishment_id": target.establishment_id,
                "campaign_id": target.campaign_id,
                "reason": reason,
            },
        )
    return created


def record_report(target: Target, *, at: datetime | None = None, method: str = "IMAP") -> bool:
    """A person reported the simulation; False when it was already counted."""
    when = at or timezone.now()
    with write_turn(), transaction.atomic():
        first = Target.objects.filter(pk=target.pk, reported_at__isnull=True).update(
            reported_at=when
        )
        Interaction.objects.create(
            establishment_id=target.establishment_id,
            campaign_id=target.campaign_id,
            target=target,
            kind=InteractionKind.REPORT,
            at=when,
            method=method[:8],
        )
        webhooks.emit(
            target.establishment_id,
            webhook_events.TARGET_REPORTED,
            lambda: webhook_events.target_payload(target, "report", when, first=bool(first)),
        )
    return bool(first)


def profile_from_name(target: Target) -> str:
    profile = target.campaign.sending_profile
    return profile.from_name or profile.from_address if profile else ""


REPORT_ADDRESSES: dict[int, tuple[float, str]] = {}
REPORT_ADDRESS_SECONDS = 60.0


def report_address(target: Target) -> str:
    """Where staff forward suspicious e-mails (the establishment's report mailbox), kept a
    minute per process: the teachable page shows it on every click."""
    now = time.monotonic()
    cached = REPORT_ADDRESSES.get(target.establishment_id)
    if cached and cached[0] > now:
        return cached[1]
    names = ReportMailbox.objects.filter(
        establishment_id=target.establishment_id, enabled=True, username__contains="@"
    ).values_list("username", flat=True)
    address = str(names.order_by("pk").first() or "")
    REPORT_ADDRESSES[target.establishment_id] = (now + REPORT_ADDRESS_SECONDS, address)
    return address


def caches_clear() -> None:
    """Forget what hits keep per process (campaign-wide objects, report addresses)."""
    PAGES.clear()
    REPORT_ADDRESSES.clear()


def training_assigned(target: Target) -> bool:
    return (
        target.confirmed_at is not None
        and TrainingAssignment.objects.filter(target=target).exists()
    )
