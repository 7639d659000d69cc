"""Scheduled tasks of the scanning app: thin, each calls one service."""

from __future__ import annotations

import logging

from celery import shared_task
from django.utils import timezone

from rempart.core.errors import ApplicationError
from rempart.probes.jobs import scheduled_scan_request
from rempart.scanning.models import ScanSchedule
from rempart.scanning.services.findings import acceptances_expire
from rempart.scanning.services.scopes import next_run

logger = logging.getLogger(__name__)


@shared_task(name="scanning.launch_due_scans")
def launch_due_scans_task() -> int:
    """Launch the scheduled scans that are due (every minute, from the scheduler)."""
    launched = 0
    due = ScanSchedule.objects.filter(enabled=True, next_run_at__lte=timezone.now())
    for schedule in due.select_related("scope", "establishment"):
        try:
            scheduled_scan_request(schedule=schedule)
            launched += 1
        except ApplicationError as exc:
            logger.warning("scheduled scan of %s not launched: %s", schedule.scope, exc.message)
        schedule.last_run_at = timezone.now()
        schedule.next_run_at = next_run(schedule)
        schedule.save(update_fields=["last_run_at", "next_run_at", "updated_at"])
    return launched


@shared_task(name="scanning.expire_acceptances")
def expire_acceptances_task() -> int:
    """Reopen findings whose risk acceptance has expired."""
    return acceptances_expire()
