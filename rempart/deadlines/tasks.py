"""The scheduler's task of deadlines."""

from __future__ import annotations

from celery import shared_task

from rempart.deadlines.services import deadlines_remind


@shared_task(name="deadlines.remind")
def remind_task() -> int:
    """Send the reminders that are due (every minute)."""
    return deadlines_remind()
