"""Scheduled tasks of the probes app: thin, each calls one service."""

from __future__ import annotations

from celery import shared_task

from rempart.probes.services import silent_probes_alert


@shared_task(name="probes.silent_alert")
def silent_alert_task() -> int:
    """Alert (audit log, webhook) on the probes that have just fallen silent."""
    return silent_probes_alert()
