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
WATCH_ALERTS = "threatwatch.alerts.raised"

# name → label shown in the endpoint form (ping is sent on request, never subscribed).
SUBSCRIBABLE: dict[str, Any] = {
    CAMPAIGN_LAUNCHED: _("Phishing: a campaign is approved and launched"),
    CAMPAIGN_CLOSED: _("Phishing: a campaign is closed"),
    CAMPAIGN_CANCELLED: _("Phishing: a campaign is cancelled"),
    TARGET_REPORTED: _("Phishing: a recipient reported the simulation (pseudonym)"),
    TARGET_SUBMITTED: _("Phishing: a recipient submitted the landing page form (pseudonym)"),
    PROBE_SILENT: _("Scan probes: a probe has missed several heartbeats"),
    WATCH_ALERTS: _("Threat watch: new alerts for the establishment (KEV, CERT-FR, CVE)"),
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


def watch_alerts_payload(alerts: list[Any]) -> dict[str, Any]:
    """New threat-watch alerts of one establishment (one delivery per catalog update): the
    event, what to do, and the affected items (assets, services, declared products)."""
    return {
        "alerts": [
            {
                "id": str(alert.public_id),
                "kind": alert.event.kind,
                "reference": alert.event.reference,
                "title": alert.event.title,
                "known_exploited": alert.event.known_exploited,
                "cves": alert.event.cve_ids,
                "fix": alert.event.fix,
                "url": alert.event.url,
                "confidence": alert.confidence,
                "status": alert.status,
                "items": [
                    {k: item[k] for k in ("kind", "label", "cve_id", "product", "version")}
                    | {"confidence": item["confidence"], "reason": item["reason"]}
                    for item in alert.items
                ],
            }
            for alert in alerts
        ]
    }


def ping_payload(endpoint: Any) -> dict[str, Any]:
    return {"endpoint": str(endpoint.public_id), "message": "ping"}
