"""Leases and the reaper, in-process: what happens to a run whose process stopped renewing.

The same paths run against real killed processes in tests/test_job_faults.py and
tests/test_command_interrupts.py; here each case of the decision is checked on its own.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.conf import settings
from django.utils import timezone, translation

from config.celery import app
from rempart.jobs.lease import claim, renew
from rempart.jobs.models import JobError, JobRun, JobStatus
from rempart.jobs.reaper import MAX_ATTEMPTS, jobs_reap_expired
from rempart.jobs.runner import JobContext, JobLostError, job, job_cancel, job_run_inline
from rempart.jobs.tasks import reap_expired_jobs_task

pytestmark = pytest.mark.django_db
ABANDONED: list[tuple[dict[str, Any], str, str]] = []


@job("tests.lease.resumable", resumable=True)
def _resumable(context: JobContext) -> dict[str, Any]:
    return {"done": True}


@job("tests.lease.once", on_abandon=lambda *args: ABANDONED.append(args))
def _once(context: JobContext, *, item: int = 0) -> dict[str, Any]:
    return {"item": item}


@pytest.fixture(autouse=True)
def _forget_abandoned() -> None:
    ABANDONED.clear()


def _dead(kind: str, **fields: Any) -> JobRun:
    """A run whose process stopped renewing its lease a minute ago."""
    past = timezone.now() - dt.timedelta(minutes=1)
    values: dict[str, Any] = {"status": JobStatus.RUNNING, "attempt": 1, "worker": "host:1"}
    values.update(fields)
    return JobRun.objects.create(kind=kind, title=kind, lease_expires_at=past, **values)


def test_resumable_worker_run_goes_back_to_the_queue(
    django_capture_on_commit_callbacks: Any,
) -> None:
    run = _dead("tests.lease.resumable")

    with django_capture_on_commit_callbacks() as callbacks:
        assert jobs_reap_expired() == [run]

    assert len(callbacks) == 1  # run_job_task.delay, once committed
    run.refresh_from_db()
    assert run.status == JobStatus.QUEUED
    assert run.lease_expires_at is None
    assert "remise en file d'attente" in run.log
    assert run.error_code == ""


def test_run_that_cannot_resume_fails_and_its_hook_runs() -> None:
    run = _dead("tests.lease.once", params={"item": 7})

    assert jobs_reap_expired() == [run]

    run.refresh_from_db()
    assert run.status == JobStatus.FAILED
    assert run.error_code == JobError.WORKER_LOST
    assert run.finished_at is not None
    assert run.error.startswith("The process running this job stopped before the end")
    [(params, status, reason)] = ABANDONED
    assert params == {"item": 7}
    assert status == JobStatus.FAILED
    with translation.override(settings.LANGUAGE_CODE):
        assert reason == str(JobError.WORKER_LOST.label)
    assert reason.startswith("Le processus qui exécutait cette tâche")


@pytest.mark.parametrize(
    ("fields", "status", "code"),
    [
        ({"inline": True}, JobStatus.FAILED, JobError.COMMAND_LOST),
        ({"attempt": MAX_ATTEMPTS}, JobStatus.FAILED, JobError.TOO_MANY_ATTEMPTS),
        ({"attempt": 0}, JobStatus.FAILED, JobError.TOO_MANY_ATTEMPTS),  # from before leases
        ({"cancel_requested": True}, JobStatus.CANCELLED, ""),
    ],
)
def test_resumable_run_is_not_resumed_when(fields: dict[str, Any], status: str, code: str) -> None:
    run = _dead("tests.lease.resumable", **fields)

    assert jobs_reap_expired() == [run]

    run.refresh_from_db()
    assert (run.status, run.error_code) == (status, code)


def test_live_and_finished_runs_are_left_alone() -> None:
    live = _dead("tests.lease.once")
    renew(live)  # its process renewed the lease: a full lease ahead
    done = _dead("tests.lease.once", status=JobStatus.SUCCEEDED)

    assert jobs_reap_expired() == []

    assert JobRun.objects.get(pk=live.pk).status == JobStatus.RUNNING
    assert JobRun.objects.get(pk=done.pk).status == JobStatus.SUCCEEDED


def test_a_run_is_claimed_once() -> None:
    run = JobRun.objects.create(kind="tests.lease.once", title="once")

    first, second = claim(run.pk), claim(run.pk)

    assert first is not None
    assert (first.status, first.attempt) == (JobStatus.RUNNING, 1)
    assert first.lease_expires_at is not None
    assert second is None


def test_process_that_lost_its_lease_can_no_longer_write() -> None:
    run = _dead("tests.lease.resumable")
    stale = JobRun.objects.get(pk=run.pk)
    jobs_reap_expired()  # back in the queue, then claimed by another worker: attempt 2
    assert claim(run.pk) is not None
    context = JobContext(stale)

    with pytest.raises(JobLostError):
        context.progress(5, 10)

    current = JobRun.objects.get(pk=run.pk)
    assert (current.attempt, current.progress_done) == (2, 0)


def test_cancelling_a_queued_run_ends_it_and_its_rows(
    django_capture_on_commit_callbacks: Any,
) -> None:
    run = JobRun.objects.create(kind="tests.lease.once", title="queued", params={"item": 3})

    with django_capture_on_commit_callbacks(execute=True):
        job_cancel(run=run, actor=None)

    run.refresh_from_db()
    assert run.status == JobStatus.CANCELLED
    assert run.started_at is None
    assert [(params, status) for params, status, _reason in ABANDONED] == [
        ({"item": 3}, JobStatus.CANCELLED)
    ]


def test_inline_run_holds_a_lease_until_it_ends() -> None:
    run = job_run_inline(kind="tests.lease.once", title="inline", params={"item": 1})

    run.refresh_from_db()
    assert run.inline
    assert run.attempt == 1
    assert run.status == JobStatus.SUCCEEDED
    assert run.lease_expires_at is None
    assert run.params == {"item": 1}


def test_the_beat_reaps_every_half_lease() -> None:
    entry = settings.CELERY_BEAT_SCHEDULE["jobs-reap-expired"]

    assert entry["task"] == reap_expired_jobs_task.name
    assert entry["task"] in app.tasks
    assert entry["schedule"] == max(1.0, settings.JOBS_LEASE_SECONDS / 2)
