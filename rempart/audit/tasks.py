"""Scheduled audit tasks."""

from __future__ import annotations

from celery import shared_task
from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _

from rempart.jobs.runner import job_enqueue


@shared_task(name="audit.verify_chain_scheduled")
def verify_chain_scheduled_task() -> None:
    """Nightly verification of the audit chain, as a job visible to operator staff."""
    with translation.override(settings.LANGUAGE_CODE):
        job_enqueue(kind="audit.verify", title=_("Audit log verification (scheduled)"))
