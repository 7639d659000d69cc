"""Scheduled synchronisation of the vulnerability catalog (Celery beat → a job)."""

from __future__ import annotations

from celery import shared_task
from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _

from rempart.jobs.runner import job_enqueue
from rempart.threatwatch.alerts import tasks as alert_tasks  # noqa: F401  (registers them)


@shared_task(name="threatwatch.sync_scheduled")
def sync_scheduled_task(sources: list[str] | None = None) -> None:
    """Queue a synchronisation job (all sources, or the given ones), visible to operator staff."""
    with translation.override(settings.LANGUAGE_CODE):
        job_enqueue(
            kind="threatwatch.sync",
            title=_("Vulnerability catalog synchronisation (scheduled)"),
            params={"sources": sources},
        )
