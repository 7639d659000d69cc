"""Remediation deadlines by severity (days), KEV findings within 7 days whatever the score."""

from __future__ import annotations

import datetime as dt

SLA_DAYS = {"critical": 7, "high": 30, "medium": 90, "low": 180}
KEV_DAYS = 7


def due_at(
    severity: str, start: dt.datetime, *, known_exploited: bool = False
) -> dt.datetime | None:
    """Deadline of a finding first seen (or reopened) at `start`; None for informational ones."""
    days = SLA_DAYS.get(severity)
    if known_exploited:
        days = min(days or KEV_DAYS, KEV_DAYS)
    return start + dt.timedelta(days=days) if days else None
