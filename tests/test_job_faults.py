"""Jobs survive the death of what runs them: real workers and commands, SIGKILL and SIGINT.

A run holds a lease renewed while its process lives (rempart/jobs/lease.py). Once a killed
worker's lease expires, the beat's reaper task resumes a resumable job (on another worker) or
marks it failed with the reason, and the kind's own rows (a scan) follow. The worker processes
here use a 2-second lease so that the tests need not wait two minutes.
"""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.utils import timezone, translation

from rempart.jobs.models import FINISHED, JobError, JobRun, JobStatus
from rempart.jobs.runner import job_enqueue
from rempart.jobs.tasks import reap_expired_jobs_task
from tests import worker_jobs
from tests.processes import group_members
from tests.workers import (
    BROKERS,
    Worker,
    delete_queue,
    new_queue,
    sending_to,
    start_worker,
    stop_worker,
    wait_for,
)

pytestmark = [
    pytest.mark.worker,
    pytest.mark.xdist_group("worker"),
    pytest.mark.django_db(transaction=True),
]
LEASE = "2"


@pytest.fixture(params=list(BROKERS))
def broker(request: pytest.FixtureRequest) -> str:
    name: str = request.param
    return name


@pytest.fixture
def workers(broker: str, tmp_path: Path) -> Iterator[list[Worker]]:
    """The workers a test starts, all on one queue; stopped (and the queue deleted) after."""
    started: list[Worker] = []
    yield started
    for worker in started:
        stop_worker(worker)
    if started:
        delete_queue(started[0])


def _start(workers: list[Worker], broker: str, tmp_path: Path, *, pool: str = "solo") -> Worker:
    queue = workers[0].queue if workers else new_queue()
    log = tmp_path / f"worker-{len(workers) + 1}.log"
    worker = start_worker(broker, queue, log, pool=pool, REMPART_JOB_LEASE_SECONDS=LEASE)
    workers.append(worker)
    return worker


def _running(worker: Worker, run: JobRun, *, steps: int = 2) -> JobRun:
    """Wait until the run is running and has reported `steps` steps."""
    deadline = time.monotonic() + 60
    current = wait_for(worker, run, JobStatus.RUNNING)
    while current.progress_done < steps and time.monotonic() < deadline:
        time.sleep(0.05)
        current = JobRun.objects.get(pk=run.pk)
    assert current.status == JobStatus.RUNNING, current.log
    return current


def _sigkill_worker(worker: Worker) -> None:
    os.killpg(worker.process.pid, signal.SIGKILL)
    worker.process.wait(timeout=10)
    deadline = time.monotonic() + 10
    while group_members(worker.process.pid) and time.monotonic() < deadline:
        time.sleep(0.05)


def _reap_when_expired(run: JobRun, timeout: float = 30) -> int:
    """Wait for the lease to expire (nothing renews it), then run the beat's reaper task.

    0 without running it when the run was already taken back: a message redelivered once
    its worker died (RabbitMQ redelivers at once, a pool child's message is requeued) reaps
    the run itself if its lease has expired when it arrives."""
    deadline = time.monotonic() + timeout
    while True:
        current = JobRun.objects.get(pk=run.pk)
        if current.status != JobStatus.RUNNING or current.attempt != run.attempt:
            return 0
        assert current.lease_expires_at is not None, current.log
        if current.lease_expires_at < timezone.now():
            break
        assert time.monotonic() < deadline, "the lease of a dead worker is still renewed"
        time.sleep(0.2)
    reaped: int = reap_expired_jobs_task()
    return reaped


def test_sigkilled_worker_resumable_job_resumes_on_another(
    broker: str, workers: list[Worker], tmp_path: Path
) -> None:
    first = _start(workers, broker, tmp_path)
    with sending_to(first):
        run = job_enqueue(kind=worker_jobs.RESUMABLE, title="Resumable", params={"steps": 40})
        running = _running(first, run)
        assert running.attempt == 1
        assert running.worker.endswith(f":{first.process.pid}")
        _sigkill_worker(first)
        second = _start(workers, broker, tmp_path)

        assert _reap_when_expired(running) in (0, 1)
        done = wait_for(second, run, *FINISHED)

    assert done.status == JobStatus.SUCCEEDED, (done.error, done.log)
    assert done.attempt == 2
    assert done.result == {"steps": 40, "attempt": 2}
    # taken back once, by the reaper or the message
    assert done.log.count("remise en file d'attente") == 1
    assert done.error == ""
    assert done.lease_expires_at is None


def test_sigkilled_worker_job_that_cannot_resume_fails_with_the_reason(
    broker: str, workers: list[Worker], tmp_path: Path
) -> None:
    marker = tmp_path / "abandoned.txt"
    worker = _start(workers, broker, tmp_path)
    with sending_to(worker):
        run = job_enqueue(
            kind=worker_jobs.WAIT,
            title="Cannot resume",
            params={"seconds": 60, "marker_file": str(marker)},
        )
        running = _running(worker, run)
        _sigkill_worker(worker)

        assert _reap_when_expired(running) == 1  # no live worker: only the reaper

    done = JobRun.objects.get(pk=run.pk)
    assert done.status == JobStatus.FAILED
    assert done.error_code == JobError.WORKER_LOST
    assert done.finished_at is not None
    assert done.lease_expires_at is None
    with translation.override("fr"):
        reason = done.error_display
    assert reason.startswith("Le processus qui exécutait cette tâche s'est arrêté"), reason
    # The kind's own rows follow, with the reason in the platform's language (French).
    assert marker.read_text(encoding="utf-8") == f"failed|{reason}"
    # Reaping again changes nothing.
    assert reap_expired_jobs_task() == 0


def test_sigkilled_pool_child_job_is_resumed_and_the_worker_carries_on(
    broker: str, workers: list[Worker], tmp_path: Path
) -> None:
    worker = _start(workers, broker, tmp_path, pool="prefork")
    with sending_to(worker):
        run = job_enqueue(kind=worker_jobs.RESUMABLE, title="Pool child", params={"steps": 40})
        running = _running(worker, run)
        child = int(running.worker.rsplit(":", 1)[1])
        assert child != worker.process.pid  # the job runs in a pool child
        os.kill(child, signal.SIGKILL)

        assert _reap_when_expired(running) in (0, 1)
        done = wait_for(worker, run, *FINISHED)

    assert done.status == JobStatus.SUCCEEDED, (done.error, done.log)
    assert done.attempt == 2
    assert done.log.count("remise en file d'attente") == 1
    assert int(done.worker.rsplit(":", 1)[1]) != child
    assert worker.process.poll() is None
