"""Scheduled account tasks."""

from __future__ import annotations

import logging

from celery import shared_task

from rempart.accounts.services import invitations_purge

logger = logging.getLogger(__name__)


@shared_task(name="accounts.purge_invitations")
def purge_invitations_task() -> int:
    """Delete invitations that ended (expired, used or revoked) long ago: data minimisation."""
    count = invitations_purge()
    logger.info("%d old invitations purged", count)
    return count
