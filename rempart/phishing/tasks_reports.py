"""Celery task of the report mailboxes (imported by `rempart.phishing.tasks`)."""

from __future__ import annotations

from celery import shared_task

from rempart.phishing.imap import mailboxes_poll_all


@shared_task(name="phishing.poll_mailboxes", ignore_result=True, soft_time_limit=300)
def poll_mailboxes_task() -> int:
    """Poll every enabled report mailbox; returns how many were polled."""
    return len(mailboxes_poll_all())
