"""Scheduled maintenance of attachments."""

from __future__ import annotations

from celery import shared_task

from rempart.attachments.services import attachments_purge_orphans


@shared_task(name="attachments.purge_orphans")
def purge_orphans_task() -> int:
    """Files left without a row by a rolled-back transaction (daily)."""
    return attachments_purge_orphans()
