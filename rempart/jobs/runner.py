"""Running jobs: enqueue on commit, report progress and log, honour cancellation and leases.

A job function receives a `JobContext` and keyword arguments; the same function runs in a
Celery worker (`run_job_task`) or in-process for the CLI (`job_run_inline`), with a
progress callback that draws a progress bar. While it runs, its process holds a lease on the
row (`rempart.jobs.lease`); a run whose process died is resumed or failed by the reaper.
Ctrl-C or kill of a command ends its run `cancelled`, then interrupts the command.
"""

from __future__ import annotations

import logging
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from celery import shared_task
from django.db import DatabaseError, connection, transaction
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _

from rempart.audit.services import audit_record
from rempart.jobs.interrupt import STOP, CommandInterruptedError, deferred
from rempart.jobs.lease import LeaseKeeper, claim, is_expired, lease_deadline, owned, owner_label
from rempart.jobs.lease import renew as lease_renew
from rempart.jobs.models import JobError, JobRun, JobStatus
from rempart.jobs.reaper import job_reap, run_abandon_hook
from rempart.jobs.registry import REGISTRY, JobFailedError, JobFunction, JobKind, job

__all__ = [
    "REGISTRY",
    "JobCancelledError",
    "JobContext",
    "JobFailedError",
    "JobFunction",
    "JobLostError",
    "job",
]
logger = logging.getLogger(__name__)


class JobCancelledError(Exception):
    """Raised inside a job when a user asked to cancel it."""


class JobLostError(Exception):
    """Raised inside a job whose process no longer holds the run (the reaper took it back)."""


class JobContext:
    """Handed to job functions: progress, log lines and cancellation checks."""

    FLUSH_SECONDS = 0.5

    def __init__(self, run: JobRun, on_progress: Callable[[JobRun], None] | None = None) -> None:
        self.run = run
        self.on_progress = on_progress
        self.keeper: LeaseKeeper | None = None
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
        self.note(line)
        self._flush()

    def note(self, line: str) -> None:
        """A log line kept for the next write (no database access)."""
        stamp = timezone.localtime().strftime("%H:%M:%S")
        self._pending_log.append(f"[{stamp}] {line}")

    def should_stop(self) -> bool:
        """True once the job should stop: cancelled, interrupted, or its lease lost.

        Safe to poll from the job's other threads (an nmap watcher, a pool of checks)."""
        if STOP.is_set() or self._lost():
            return True
        return JobRun.objects.filter(pk=self.run.pk, cancel_requested=True).exists()

    def check_cancelled(self) -> None:
        if self._lost():
            raise JobLostError
        if JobRun.objects.filter(pk=self.run.pk, cancel_requested=True).exists():
            raise JobCancelledError

    def _lost(self) -> bool:
        return self.keeper is not None and self.keeper.lost.is_set()

    def take_log(self) -> str:
        if self._pending_log:
            self.run.log = (self.run.log + "\n".join(self._pending_log) + "\n")[-200_000:]
            self._pending_log = []
        return self.run.log

    def _flush(self) -> None:
        now = time.monotonic()
        if now - self._last_flush < self.FLUSH_SECONDS:
            return
        self._last_flush = now
        if not lease_renew(
            self.run,
            progress_done=self.run.progress_done,
            progress_total=self.run.progress_total,
            message=self.run.message,
            log=self.take_log(),
        ):
            raise JobLostError


@dataclass
class _Outcome:
    status: str
    result: dict[str, Any] = field(default_factory=dict)
    error: str = ""
    code: str = ""
    interrupted: KeyboardInterrupt | None = None
    lost: bool = False


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
    kwargs = params or {}
    run = JobRun.objects.create(
        kind=kind, title=title[:300], actor=actor, establishment=establishment, params=kwargs
    )
    transaction.on_commit(lambda: run_job_task.delay(run.pk, kwargs))
    return run


def _call(kind: JobKind, context: JobContext, params: dict[str, Any]) -> _Outcome:
    try:
        result = kind.func(context, **params) or {}
    except JobCancelledError:
        context.note(_("Cancelled at a user's request."))
        return _Outcome(JobStatus.CANCELLED)
    except JobLostError:
        return _Outcome(JobStatus.FAILED, lost=True)
    except KeyboardInterrupt as exc:
        name = exc.signal_name if isinstance(exc, CommandInterruptedError) else "Ctrl-C"
        context.note(_("Interrupted (%(signal)s).") % {"signal": name})
        return _Outcome(JobStatus.CANCELLED, code=JobError.INTERRUPTED, interrupted=exc)
    except Exception as exc:  # a failed job records why, then the worker carries on
        # A command reports the error itself, and the traceback goes to the job's log, not to
        # the user's terminal; a worker logs it.
        if context.run.inline:
            logger.debug("job %s failed: %s", context.run.pk, exc)
        else:
            logger.exception("job %s failed", context.run.pk)
        context.note(traceback.format_exc(limit=5))
        return _Outcome(JobStatus.FAILED, error=failure_reason(exc))
    return _Outcome(JobStatus.SUCCEEDED, result=result)


def failure_reason(exc: Exception) -> str:
    """A failed run's error as the user reads it: the reason a job gave in the user's
    language (`JobFailedError`, an `ApplicationError`'s message), else an unexpected error
    whose details (the exception and its traceback) are in the run's log."""
    if isinstance(exc, JobFailedError):
        return str(exc)
    message = getattr(exc, "message", None)
    if isinstance(message, (str, Promise)) and str(message):
        return str(message)
    return _("Unexpected error: the details are in the job's log.")


def _execute(run: JobRun, params: dict[str, Any], context: JobContext) -> JobRun:
    context.keeper = LeaseKeeper.start_for(run)
    try:
        outcome = _call(REGISTRY[run.kind], context, params)
    except BaseException:  # SystemExit (a worker's cold shutdown): the reaper takes it now
        with deferred():
            _stop_keeper(context)
            _release(run)
        raise
    with deferred():  # a second Ctrl-C waits until the final state is written
        _stop_keeper(context)
        _finish(run, context, outcome, params)
    if outcome.interrupted is not None:
        signum = getattr(outcome.interrupted, "signum", 2)
        raise CommandInterruptedError(signum, f"job {run.public_id} cancelled") from None
    return run


def _stop_keeper(context: JobContext) -> None:
    if context.keeper is not None:
        context.keeper.stop()


def _release(run: JobRun) -> None:
    try:
        owned(run).update(lease_expires_at=timezone.now())
    except DatabaseError:
        logger.warning("job %s: lease not released; it expires by itself", run.pk)


def _finish(run: JobRun, context: JobContext, outcome: _Outcome, params: dict[str, Any]) -> None:
    if outcome.lost:
        logger.warning("job %s: its lease expired and the reaper took it back", run.pk)
        return
    run.status, run.result = outcome.status, outcome.result
    run.error, run.error_code = outcome.error, outcome.code
    run.finished_at = timezone.now()
    if not _write_final(run, context):
        logger.warning("job %s: no longer held by this process, final state not written", run.pk)
        return
    if outcome.status != JobStatus.SUCCEEDED:
        run_abandon_hook(run.kind, params, outcome.status, code=outcome.code, error=outcome.error)


def _write_final(run: JobRun, context: JobContext) -> bool:
    fields = {
        "status": run.status,
        "result": run.result,
        "error": run.error,
        "error_code": run.error_code,
        "finished_at": run.finished_at,
        "lease_expires_at": None,
        "log": context.take_log(),
        "progress_done": run.progress_done,
        "progress_total": run.progress_total,
        "message": run.message,
        "updated_at": run.finished_at,
    }
    try:
        return bool(owned(run).update(**fields))
    except DatabaseError:
        if connection.in_atomic_block:
            raise
        connection.close()  # interrupted in the middle of a query: a fresh connection
        return bool(owned(run).update(**fields))


@shared_task(name="jobs.run_job", acks_late=True)
def run_job_task(run_id: int, params: dict[str, Any]) -> None:
    """Worker entry point: claim the run by id and execute it.

    A message redelivered after its worker died finds the run still running: once the lease
    has expired it is reaped (resumed here if its kind is resumable); a finished or live run
    is skipped."""
    run = JobRun.objects.filter(pk=run_id).first()
    if run is not None and is_expired(run):
        job_reap(run)
        run.refresh_from_db()
    if run is None or run.status != JobStatus.QUEUED:
        return
    if run.cancel_requested:
        _cancel_queued(run)
        return
    claimed = claim(run_id)
    if claimed is not None:
        _execute(claimed, claimed.params or params, JobContext(claimed))


def _cancel_queued(run: JobRun) -> bool:
    now = timezone.now()
    stamp = timezone.localtime(now).strftime("%H:%M:%S")
    cancelled = JobRun.objects.filter(pk=run.pk, status=JobStatus.QUEUED).update(
        status=JobStatus.CANCELLED,
        finished_at=now,
        updated_at=now,
        log=f"[{stamp}] {_('Cancelled before it started.')}\n",
    )
    if cancelled:
        run_abandon_hook(run.kind, run.params, JobStatus.CANCELLED)
    return bool(cancelled)


def job_run_inline(
    *,
    kind: str,
    title: str,
    actor: Any = None,
    establishment: Any = None,
    params: dict[str, Any] | None = None,
    on_progress: Callable[[JobRun], None] | None = None,
) -> JobRun:
    """Run a job in this process (CLI): same JobRun row, progress sent to `on_progress`.

    Ctrl-C (or SIGTERM) ends the run `cancelled` and raises CommandInterruptedError."""
    now = timezone.now()
    run = JobRun.objects.create(
        kind=kind,
        title=title[:300],
        actor=actor,
        establishment=establishment,
        params=params or {},
        inline=True,
        status=JobStatus.RUNNING,
        attempt=1,
        started_at=now,
        lease_expires_at=lease_deadline(now),
        worker=owner_label(),
    )
    return _execute(run, params or {}, JobContext(run, on_progress))


def job_cancel(*, run: JobRun, actor: Any) -> JobRun:
    """Ask a queued or running job to stop: a queued one ends now, a running one stops at
    its next check."""
    if not run.is_finished:
        JobRun.objects.filter(pk=run.pk).update(cancel_requested=True)
        run.cancel_requested = True
        audit_record(
            actor=actor,
            verb="jobs.job.cancel_requested",
            target=run,
            establishment=run.establishment,
        )
        if run.status == JobStatus.QUEUED:
            transaction.on_commit(lambda: _cancel_queued(run))
    return run
