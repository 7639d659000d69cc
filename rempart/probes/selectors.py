"""Reads of the probes app, always scoped through `visible_to`; health from heartbeats."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone

from rempart.core.actions import Action
from rempart.probes.choices import Health
from rempart.probes.models import Probe, ProbeJob

LATE_AFTER_BEATS = 2  # missed heartbeats before "late"
SILENT_AFTER_BEATS = 5  # missed heartbeats before "silent" (an alert on the page)
RECENT_JOBS = 20


def probe_health(probe: Probe, now: dt.datetime | None = None) -> Health:
    if probe.revoked_at is not None:
        return Health.REVOKED
    if probe.last_heartbeat_at is None:
        return Health.SILENT
    age = ((now or timezone.now()) - probe.last_heartbeat_at).total_seconds()
    if age > SILENT_AFTER_BEATS * probe.heartbeat_interval_s:
        return Health.SILENT
    if age > LATE_AFTER_BEATS * probe.heartbeat_interval_s:
        return Health.LATE
    return Health.OK


@dataclass(frozen=True)
class ProbeRow:
    probe: Probe
    health: Health


def probe_list(*, user: Any, establishment: Any) -> list[ProbeRow]:
    probes: QuerySet[Probe] = (
        Probe.objects.visible_to(user)
        .filter(establishment=establishment)
        .select_related("site")
        .prefetch_related("scopes")
    )
    now = timezone.now()
    return [ProbeRow(probe, probe_health(probe, now)) for probe in probes]


def probe_get(
    *, user: Any, public_id: UUID, establishment: Any, action: Action = Action.VIEW
) -> Probe:
    """One probe of `establishment` that `user` may `action`; 404 for absent or not yours."""
    try:
        probe: Probe = Probe.objects.visible_to(user, action=action).get(
            establishment=establishment, public_id=public_id
        )
    except Probe.DoesNotExist as exc:
        raise Http404 from exc
    return probe


def job_get(
    *, user: Any, public_id: UUID, establishment: Any, action: Action = Action.VIEW
) -> ProbeJob:
    """One probe job of `establishment` that `user` may `action`; 404 for absent or not yours."""
    try:
        job: ProbeJob = (
            ProbeJob.objects.visible_to(user, action=action)
            .select_related("scan")
            .get(establishment=establishment, public_id=public_id)
        )
    except ProbeJob.DoesNotExist as exc:
        raise Http404 from exc
    return job


def job_list(*, user: Any, establishment: Any) -> QuerySet[ProbeJob]:
    jobs: QuerySet[ProbeJob] = (
        ProbeJob.objects.visible_to(user)
        .filter(establishment=establishment)
        .select_related("probe", "scan", "scan__scope")
    )
    return jobs[:RECENT_JOBS]
