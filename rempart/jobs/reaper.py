"""The reaper: runs whose process died (lease expired) are resumed or marked failed.

Run every half lease by the beat (`jobs.reap_expired`), and by `rempart jobs watch` on the run
it follows. A resumable kind run by a worker goes back to the queue (at most MAX_ATTEMPTS
attempts in all); anything else ends failed with the reason, and its kind's `on_abandon` hook
puts the rows it was working on (a scan) into a final state too.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F, Value
from django.db.models.functions import Concat
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from rempart.jobs.lease import expired
from rempart.jobs.models import CANCELLED_REASON, JobError, JobRun, JobStatus
from rempart.jobs.registry import REGISTRY

logger = logging.getLogger(__name__)
MAX_ATTEMPTS = 3


def jobs_reap_expired(*, now: dt.datetime | None = None) -> list[JobRun]:
    """Reap every running run whose lease has expired; returns the runs reaped."""
    now = now or timezone.now()
    stale = JobRun.objects.filter(status=JobStatus.RUNNING).filter(expired(now))
    return [run for run in stale if job_reap(run, now=now)]


def job_reap(run: JobRun, *, now: dt.datetime | None = None) -> bool:
    """Resume or fail one run whose lease expired; False if its owner renewed it meanwhile."""
    now = now or timezone.now()
    kind = REGISTRY.get(run.kind)
    if run.cancel_requested:
        return _end(run, now, JobStatus.CANCELLED, "")
    # attempt 0: a row claimed before leases existed, without its parameters: not resumed.
    if kind is not None and kind.resumable and not run.inline and 0 < run.attempt < MAX_ATTEMPTS:
        return _resume(run, now)
    if run.inline:
        return _end(run, now, JobStatus.FAILED, JobError.COMMAND_LOST)
    if kind is not None and kind.resumable:
        return _end(run, now, JobStatus.FAILED, JobError.TOO_MANY_ATTEMPTS)
    return _end(run, now, JobStatus.FAILED, JobError.WORKER_LOST)


def _still_stale(run: JobRun, now: dt.datetime) -> Any:
    """The run's row if nobody renewed or ended it since it was read (compare-and-set)."""
    return JobRun.objects.filter(
        expired(now), pk=run.pk, status=JobStatus.RUNNING, attempt=run.attempt
    )


def _log_line(now: dt.datetime, text: str) -> Any:
    stamp = timezone.localtime(now).strftime("%H:%M:%S")
    return Concat(F("log"), Value(f"[{stamp}] {text}\n"))


def _resume(run: JobRun, now: dt.datetime) -> bool:
    from rempart.jobs.runner import run_job_task  # noqa: PLC0415  (the runner imports this module)

    line = f"the process running it stopped ({run.worker or 'unknown'}): queued again"
    with translation.override(settings.LANGUAGE_CODE):  # the log is read in the UI
        shown = _("The process running it stopped (%(process)s): queued again.") % {
            "process": run.worker or "?"
        }
    with transaction.atomic():
        if not _still_stale(run, now).update(
            status=JobStatus.QUEUED,
            lease_expires_at=None,
            worker="",
            log=_log_line(now, shown),
            updated_at=now,
        ):
            return False
        params = run.params
        transaction.on_commit(lambda: run_job_task.delay(run.pk, params))
    logger.warning("job %s (%s): %s", run.pk, run.kind, line)
    return True


def _end(run: JobRun, now: dt.datetime, status: str, code: str) -> bool:
    process = "command" if run.inline else "process"
    line = f"the {process} running it stopped ({run.worker or 'unknown'}): {status}"
    with translation.override(settings.LANGUAGE_CODE):  # the log is read in the UI
        shown = _("The process running it stopped (%(process)s): %(status)s.") % {
            "process": run.worker or "?",
            "status": str(JobStatus(status).label).lower(),
        }
    updated = _still_stale(run, now).update(
        status=status,
        error=_english(code),
        error_code=code,
        lease_expires_at=None,
        finished_at=now,
        log=_log_line(now, shown),
        updated_at=now,
    )
    if not updated:
        return False
    logger.warning("job %s (%s): %s", run.pk, run.kind, line)
    run_abandon_hook(run.kind, run.params, status, code=code)
    return True


def _english(code: str) -> str:
    if not code:
        return ""
    with translation.override("en"):
        return str(JobError(code).label)


def run_abandon_hook(
    kind_name: str, params: dict[str, Any], status: str, *, code: str = "", error: str = ""
) -> None:
    """Let the kind put its own rows into a final state; the reason in the platform's language."""
    kind = REGISTRY.get(kind_name)
    if kind is None or kind.on_abandon is None:
        return
    with translation.override(settings.LANGUAGE_CODE):
        if code:
            reason = str(JobError(code).label)
        else:
            reason = str(CANCELLED_REASON) if status == JobStatus.CANCELLED else error
    try:
        kind.on_abandon(params, status, reason)
    except Exception:  # the run is already final; its rows are left for an operator to see
        logger.exception("job kind %s: on_abandon failed", kind_name)
