"""A real Celery worker process runs the jobs that `job_enqueue` sends.

One worker per broker (tests/workers.py: the embedded file-system broker always, Redis and
RabbitMQ when their URL is set), shared by this module's tests, killed at the end.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator

import pytest
from django.db import transaction

from rempart.audit.models import AuditEntry
from rempart.audit.services import audit_record
from rempart.jobs.models import FINISHED, JobRun, JobStatus
from rempart.jobs.runner import job_cancel, job_enqueue
from tests import worker_jobs
from tests.processes import group_members
from tests.workers import BROKERS, Worker, new_queue, sending_to, start_worker, stop_worker
from tests.workers import wait_for as _wait_for

pytestmark = [
    pytest.mark.worker,
    pytest.mark.xdist_group("worker"),
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture(scope="module", params=list(BROKERS))
def worker(
    request: pytest.FixtureRequest, django_db_setup: None, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Worker]:
    """One worker process per broker, shared by this module's tests, killed at the end."""
    broker: str = request.param
    log = tmp_path_factory.mktemp(f"worker-{broker}") / "worker.log"
    started = start_worker(broker, new_queue(), log)
    try:
        yield started
    finally:
        stop_worker(started)
    assert started.process.returncode is not None
    assert group_members(started.process.pid) == {}, "the worker left processes behind"


@pytest.fixture
def sending(worker: Worker) -> Iterator[Worker]:
    """This process sends real messages (not eager) to the worker's broker and queue."""
    with sending_to(worker):
        yield worker


def wait_for(worker: Worker, run: JobRun, *statuses: str, timeout: float = 60.0) -> JobRun:
    return _wait_for(worker, run, *statuses, timeout=timeout)


def test_worker_runs_an_enqueued_job(sending: Worker) -> None:
    for number in range(3):
        audit_record(actor=None, verb="tests.worker.entry", changes={"n": number})
    entries = AuditEntry.objects.count()

    run = job_enqueue(kind="audit.verify", title="Audit verification (worker test)")

    assert JobRun.objects.get(pk=run.pk).status == JobStatus.QUEUED
    done = wait_for(sending, run, *FINISHED)
    assert done.status == JobStatus.SUCCEEDED, (done.error, done.log)
    assert done.result == {
        "ok": True,
        "checked": entries,
        "broken_at": None,
        "problem": "",
        "detail": "",
        "reason": "",
    }
    assert done.error == ""
    assert "Chaîne d'audit intacte\xa0: " in done.log
    assert done.progress_done == done.progress_total == entries
    assert done.started_at is not None
    assert done.finished_at is not None
    assert done.started_at <= done.finished_at


def test_job_cancelled_before_pickup_never_runs(sending: Worker) -> None:
    # The message leaves on commit, after the cancellation request is committed with it.
    with transaction.atomic():
        run = job_enqueue(kind="audit.verify", title="Cancelled before it starts")
        job_cancel(run=run, actor=None)

    done = wait_for(sending, run, *FINISHED)
    assert done.status == JobStatus.CANCELLED
    assert done.started_at is None
    assert done.finished_at is not None
    assert done.result == {}
    assert AuditEntry.objects.filter(verb="jobs.job.cancel_requested").count() == 1


def test_running_job_stops_when_cancelled(sending: Worker) -> None:
    run = job_enqueue(kind=worker_jobs.WAIT, title="Waits to be cancelled", params={"seconds": 45})
    running = wait_for(sending, run, JobStatus.RUNNING, *FINISHED)
    assert running.status == JobStatus.RUNNING

    asked = time.monotonic()
    job_cancel(run=running, actor=None)
    done = wait_for(sending, run, *FINISHED, timeout=20)

    assert done.status == JobStatus.CANCELLED, (done.error, done.log)
    assert time.monotonic() - asked < 20
    assert "Annulée à la demande d'un utilisateur." in done.log  # the platform's language
    assert done.progress_done >= 1
    assert done.started_at is not None
    assert done.finished_at is not None
    assert done.result == {}


def test_failing_job_is_recorded_and_the_worker_carries_on(sending: Worker) -> None:
    marker = uuid.uuid4().hex[:8]
    run = job_enqueue(kind=worker_jobs.FAIL, title="Fails on purpose", params={"marker": marker})

    done = wait_for(sending, run, *FINISHED)
    assert done.status == JobStatus.FAILED
    assert done.error == "Erreur inattendue\u00a0: le détail est dans le journal de la tâche."
    assert f"RuntimeError: {worker_jobs.FAILURE_MESSAGE} {marker}" in done.log
    assert f"about to fail ({marker})" in done.log
    assert "Traceback" in done.log
    assert done.result == {}
    assert done.finished_at is not None

    # The same worker process takes the next job.
    pid = sending.process.pid
    after = job_enqueue(kind="audit.verify", title="After a failure")
    assert wait_for(sending, after, *FINISHED).status == JobStatus.SUCCEEDED
    assert sending.process.poll() is None
    assert sending.process.pid == pid
