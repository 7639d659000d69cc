"""Reads of job runs, always through `visible_to`."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.http import Http404

from rempart.jobs.models import JobRun


def job_list(*, user: Any, establishment: Any = None) -> Any:
    runs = JobRun.objects.visible_to(user).select_related("actor", "establishment")
    return runs.filter(establishment=establishment) if establishment is not None else runs


def job_get(*, user: Any, public_id: UUID) -> JobRun:
    try:
        return (
            JobRun.objects.visible_to(user).select_related("establishment").get(public_id=public_id)
        )
    except JobRun.DoesNotExist as exc:
        raise Http404 from exc


def job_get_for_action(*, user: Any, public_id: UUID, action: Any) -> JobRun:
    """A job the user may act on (e.g. cancel): CHANGE on its establishment."""
    try:
        return JobRun.objects.visible_to(user, action=action).get(public_id=public_id)
    except JobRun.DoesNotExist as exc:
        raise Http404 from exc
