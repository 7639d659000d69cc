"""Running jobs: enqueue on commit, report progress and log, honour cancellation.

A job function receives a `JobContext` and keyword arguments; the same function runs in a
Celery worker (`run_job_task`) or in-process for the CLI (`job_run_inline`), with a
progress callback that draws a progress bar.
"""

from __future__ import annotations

import logging
import time
import traceback
from collections.abc import Callable
from typing import Any

from celery import shared_task
from django.db import transaction
from django.utils import timezone

from rempart.audit.services import audit_record
from rempart.jobs.models import JobRun, JobStatus

logger = logging.getLogger(__name__)
JobFunction = Callable[..., dict[str, Any] | None]
REGISTRY: dict[str, JobFunction] = {}


class JobCancelledError(Exception):
    """Raised inside a job when a user asked to cancel it."""


def job(kind: str) -> Callable[[JobFunction], JobFunction]:
    """Register a job function under `kind` (import-time, side-effect free)."""

    def register(func: JobFunction) -> JobFunction:
        REGISTRY[kind] = func
        return func

    return register


class JobContext:
    """Handed to job functions: progress, log lines and cancellation checks."""

    FLUSH_SECONDS = 0.5

    def __init__(self, run: JobRun, on_progress: Callable[[JobRun], None] | None = None) -> None:
        self.run = run
        self.on_progress = on_progress
        self._last_flush = 0.0
        self._pending_log: list[str] = []

    def progress(self, done: int, total: int | None = None, message: str | None = None) -> None:
        self.run.progress_done = done
        if total is not None:
            self.run.progress_total = total
        if message is not None:
            self.run.message = message[:300]
        if self.on_progress:
            self.on_progress(self.run)
        self._flush()

    def log(self, line: str) -> None:
        stamp = timezone.localtime().strftime("%H:%M:%S")
        self._pending_log.append(f"[{stamp}] {line}")
        self._flush()

    def check_cancelled(self) -> None:
        if JobRun.objects.filter(pk=self.run.pk, cancel_requested=True).exists():
            raise JobCancelledError

    def _flush(self, *, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self._last_flush < self.FLUSH_SECONDS:
            return
        self._last_flush = now
        if self._pending_log:
            self.run.log = (self.run.log + "\n".join(self._pending_log) + "\n")[-200_000:]
            self._pending_log = []
        JobRun.objects.filter(pk=self.run.pk).update(
            progress_done=self.run.progress_done,
            progress_total=self.run.progress_total,
            message=self.run.message,
            log=self.run.log,
            updated_at=timezone.now(),
        )


def job_enqueue(
    *,
    kind: str,
    title: str,
    actor: Any = None,
    establishment: Any = None,
    params: dict[str, Any] | None = None,
) -> JobRun:
    """Create the JobRun row and send it to the broker once the transaction commits."""
    if kind not in REGISTRY:
        raise KeyError(f"unknown job kind {kind!r}")
    run = JobRun.objects.create(
        kind=kind, title=title[:300], actor=actor, establishment=establishment
    )
    kwargs = params or {}
    transaction.on_commit(lambda: run_job_task.delay(run.pk, kwargs))
    return run


def _execute(run: JobRun, params: dict[str, Any], context: JobContext) -> JobRun:
    run.status, run.started_at = JobStatus.RUNNING, timezone.now()
    run.save(update_fields=["status", "started_at", "updated_at"])
    try:
        result = REGISTRY[run.kind](context, **params) or {}
        run.status, run.result = JobStatus.SUCCEEDED, result
    except JobCancelledError:
        run.status = JobStatus.CANCELLED
        context.log("cancelled at the user's request")
    except Exception as exc:  # a failed job records why, then the worker carries on
        logger.exception("job %s failed", run.pk)
        run.status, run.error = JobStatus.FAILED, f"{type(exc).__name__}: {exc}"
        context.log(traceback.format_exc(limit=5))
    context._flush(force=True)
    run.finished_at = timezone.now()
    run.save(update_fields=["status", "result", "error", "finished_at", "updated_at"])
    return run


@shared_task(name="jobs.run_job", acks_late=True)
def run_job_task(run_id: int, params: dict[str, Any]) -> None:
    """Worker entry point: fetch the run by id and execute it (skipped if already finished)."""
    run = JobRun.objects.filter(pk=run_id).first()
    if run is None or run.status != JobStatus.QUEUED:
        return
    if run.cancel_requested:
        now = timezone.now()
        stamp = timezone.localtime(now).strftime("%H:%M:%S")
        JobRun.objects.filter(pk=run_id).update(
            status=JobStatus.CANCELLED,
            finished_at=now,
            updated_at=now,
            log=f"[{stamp}] cancelled before it started\n",
        )
        return
    _execute(run, params, JobContext(run))


def job_run_inline(
    *,
    kind: str,
    title: str,
    actor: Any = None,
    establishment: Any = None,
    params: dict[str, Any] | None = None,
    on_progress: Callable[[JobRun], None] | None = None,
) -> JobRun:
    """Run a job in this process (CLI): same JobRun row, progress sent to `on_progress`."""
    run = JobRun.objects.create(
        kind=kind, title=title[:300], actor=actor, establishment=establishment
    )
    return _execute(run, params or {}, JobContext(run, on_progress))


def job_cancel(*, run: JobRun, actor: Any) -> JobRun:
    """Ask a queued or running job to stop; the job stops at its next check."""
    if not run.is_finished:
        JobRun.objects.filter(pk=run.pk).update(cancel_requested=True)
        run.cancel_requested = True
        audit_record(
            actor=actor,
            verb="jobs.job.cancel_requested",
            target=run,
            establishment=run.establishment,
        )
    return run
