"""Leases: a running job owns its row for a short time, renewed while its process lives.

A worker or command that dies (SIGKILL, crash, power cut) stops renewing; once the lease has
expired, the reaper (`rempart.jobs.reaper`, a periodic beat task) resumes the run or marks it
failed. The lease is renewed by every flush of the job's progress and log, and by a thread of
the running process in between (a long step without progress must not look dead).

Each claim of a run increments `attempt`; every later write of the running process names its
attempt, so that a process which lost its lease can no longer write (fencing).
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
import threading
from typing import Any

from django.conf import settings
from django.db import DatabaseError, connection
from django.db.models import F, Q, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from rempart.jobs.models import JobRun, JobStatus

logger = logging.getLogger(__name__)


def lease_seconds() -> float:
    return float(getattr(settings, "JOBS_LEASE_SECONDS", 120))


def lease_deadline(now: dt.datetime | None = None) -> dt.datetime:
    return (now or timezone.now()) + dt.timedelta(seconds=lease_seconds())


def owner_label() -> str:
    """The process running a job, for the log and the error: `host:pid`."""
    return f"{socket.gethostname()}:{os.getpid()}"[:200]


def expired(now: dt.datetime) -> Q:
    """Running rows whose owner stopped renewing (rows from before leases: no news for a lease)."""
    stale = now - dt.timedelta(seconds=lease_seconds())
    return Q(lease_expires_at__lt=now) | Q(lease_expires_at__isnull=True, updated_at__lt=stale)


def is_expired(run: JobRun, now: dt.datetime | None = None) -> bool:
    now = now or timezone.now()
    if run.status != JobStatus.RUNNING:
        return False
    if run.lease_expires_at is None:
        return run.updated_at < now - dt.timedelta(seconds=lease_seconds())
    return run.lease_expires_at < now


def claim(run_id: int) -> JobRun | None:
    """Take a queued run for this process: running, next attempt, a fresh lease.

    None when another process took it first (a redelivered message, a resumed run)."""
    now = timezone.now()
    queued = JobRun.objects.filter(pk=run_id, status=JobStatus.QUEUED, cancel_requested=False)
    taken = queued.update(
        status=JobStatus.RUNNING,
        attempt=F("attempt") + 1,
        lease_expires_at=lease_deadline(now),
        worker=owner_label(),
        started_at=Coalesce(F("started_at"), Value(now)),
        updated_at=now,
    )
    return JobRun.objects.get(pk=run_id) if taken else None


def owned(run: JobRun) -> Any:
    """The row of `run`, if this attempt still holds it."""
    return JobRun.objects.filter(pk=run.pk, status=JobStatus.RUNNING, attempt=run.attempt)


def renew(run: JobRun, **fields: Any) -> bool:
    """Write `fields` and push the lease back; False if this attempt lost the run."""
    now = timezone.now()
    return bool(owned(run).update(lease_expires_at=lease_deadline(now), updated_at=now, **fields))


class LeaseKeeper:
    """A thread renewing the lease every quarter of it while the job's code is busy.

    Not started inside a transaction (tests, or a caller's atomic block): the row is not
    visible to anyone else there, so there is nothing to keep.
    """

    def __init__(self, run: JobRun) -> None:
        self.run = run
        self.lost = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name=f"job-lease-{run.pk}", daemon=True)

    @classmethod
    def start_for(cls, run: JobRun) -> LeaseKeeper | None:
        if connection.in_atomic_block:
            return None
        keeper = cls(run)
        keeper._thread.start()
        return keeper

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def _loop(self) -> None:
        interval = min(30.0, max(0.2, lease_seconds() / 4))
        try:
            while not self._stop.wait(interval):
                if not self._renew():
                    self.lost.set()
                    return
        finally:
            connection.close()  # this thread's own connection

    def _renew(self) -> bool:
        try:
            return renew(self.run)
        except DatabaseError as exc:  # a busy database: the next tick tries again
            logger.warning("job %s: lease not renewed (%s)", self.run.pk, exc)
            connection.close()
            return True
