"""The events endpoints can subscribe to, and what each one carries.

Payloads hold **no personal data**: no name, e-mail address, IP address, user agent or
tracking token. A campaign is its public id and name; a person is the campaign's pseudonym
(`P00001`). The builders read attributes only (no import of the emitting apps), and are
called by `services.emit` only when an endpoint is subscribed.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.utils.translation import gettext_lazy as _

PING = "webhooks.ping"
CAMPAIGN_LAUNCHED = "phishing.campaign.launched"
CAMPAIGN_CLOSED = "phishing.campaign.closed"
CAMPAIGN_CANCELLED = "phishing.campaign.cancelled"
TARGET_REPORTED = "phishing.target.reported"
TARGET_SUBMITTED = "phishing.target.submitted"
PROBE_SILENT = "probes.probe.silent"

# name → label shown in the endpoint form (ping is sent on request, never subscribed).
SUBSCRIBABLE: dict[str, Any] = {
    CAMPAIGN_LAUNCHED: _("Phishing: a campaign is approved and launched"),
    CAMPAIGN_CLOSED: _("Phishing: a campaign is closed"),
    CAMPAIGN_CANCELLED: _("Phishing: a campaign is cancelled"),
    TARGET_REPORTED: _("Phishing: a recipient reported the simulation (pseudonym)"),
    TARGET_SUBMITTED: _("Phishing: a recipient submitted the landing page form (pseudonym)"),
    PROBE_SILENT: _("Scan probes: a probe has missed several heartbeats"),
}


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def campaign_payload(campaign: Any, **counts: int) -> dict[str, Any]:
    """A phishing campaign's state change: its id, name, status, dates and counts."""
    return {
        "campaign": {
            "id": str(campaign.public_id),
            "name": campaign.name,
            "status": str(campaign.status),
            "launch_at": _iso(campaign.launch_at),
            "approved_at": _iso(campaign.approved_at),
            "closed_at": _iso(campaign.closed_at),
        },
        **counts,
    }


def target_payload(target: Any, kind: str, at: datetime, **flags: bool) -> dict[str, Any]:
    """What one (pseudonymous) recipient did: the campaign, the pseudonym, the kind, when."""
    campaign = target.campaign
    return {
        "campaign": {"id": str(campaign.public_id), "name": campaign.name},
        "target": target.pseudonym,
        "kind": str(kind),
        "at": at.isoformat(),
        **flags,
    }


def probe_payload(probe: Any) -> dict[str, Any]:
    """A probe that fell silent: its id, name, site and last heartbeat."""
    return {
        "probe": {
            "id": str(probe.public_id),
            "name": probe.name,
            "site": str(probe.site) if probe.site_id else None,
            "last_heartbeat": _iso(probe.last_heartbeat_at),
        }
    }


def ping_payload(endpoint: Any) -> dict[str, Any]:
    return {"endpoint": str(endpoint.public_id), "message": "ping"}
