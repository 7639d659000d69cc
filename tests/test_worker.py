"""A real Celery worker process runs the jobs that `job_enqueue` sends.

The worker is `python -m celery -A config worker --pool=solo` with the production settings
(`config.settings`), the test keys and a DATABASE_URL naming the test database this process
uses, so the tests commit their rows (`transaction=True`). Brokers: the embedded file-system
broker (always; its folders are in the test data directory), Redis (REMPART_TEST_BROKER_URL)
and RabbitMQ (REMPART_TEST_AMQP_URL). Each worker listens on a queue of its own, so that
concurrent test runs sharing a broker never take each other's messages.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import kombu.pools
import pytest
from django.conf import settings
from django.db import connection, transaction
from kombu import Connection, Exchange, Queue

from config.celery import app
from config.integrations.celery import filesystem_broker_options, server_broker_options
from config.paths import BASE_DIR
from rempart.audit.models import AuditEntry
from rempart.audit.services import audit_record
from rempart.jobs.models import FINISHED, JobRun, JobStatus
from rempart.jobs.runner import job_cancel, job_enqueue
from tests import worker_jobs
from tests.processes import clean_env, database_url, group_members, kill_group

pytestmark = [
    pytest.mark.worker,
    pytest.mark.xdist_group("worker"),
    pytest.mark.django_db(transaction=True),
]

# Broker name -> environment variable naming its URL (None: the embedded broker, always there).
BROKERS: dict[str, str | None] = {
    "filesystem": None,
    "redis": "REMPART_TEST_BROKER_URL",
    "rabbitmq": "REMPART_TEST_AMQP_URL",
}
JOB_TIMEOUT = 60.0


@dataclass
class Worker:
    broker: str
    url: str
    queue: str
    process: subprocess.Popen[bytes]
    log: Path

    @property
    def transport_options(self) -> dict[str, Any]:
        if self.broker == "filesystem":
            return filesystem_broker_options(settings.HOME)
        return server_broker_options()

    def output(self) -> str:
        return self.log.read_text(errors="replace")[-6000:]


def _broker_url(broker: str) -> str:
    variable = BROKERS[broker]
    if variable is None:
        return "filesystem://"
    url = os.environ.get(variable, "")
    if not url:
        pytest.skip(f"{variable} is not set: no {broker} server to run a worker against")
    return url


def _delete_queue(worker: Worker) -> None:
    """Leave nothing behind on a shared server (the embedded broker's folder is temporary)."""
    if worker.broker == "filesystem":
        return
    with Connection(worker.url, transport_options=worker.transport_options) as conn:
        channel = conn.default_channel
        # Declared first so that kombu knows the bindings to remove (Redis keeps them in keys).
        queue = Queue(worker.queue, Exchange(worker.queue), worker.queue)(channel)
        queue.declare()
        queue.delete()
        channel.exchange_delete(worker.queue)


@pytest.fixture(scope="module", params=list(BROKERS))
def worker(
    request: pytest.FixtureRequest, django_db_setup: None, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Worker]:
    """One worker process per broker, shared by this module's tests, killed at the end."""
    broker: str = request.param
    url = _broker_url(broker)
    queue = f"rempart-test-{uuid.uuid4().hex[:12]}"
    env = clean_env(
        REMPART_HOME=str(settings.HOME),
        REMPART_SECRET_KEY=settings.SECRET_KEY,
        REMPART_ENCRYPTION_KEY=settings.ENCRYPTION_KEY,
        DATABASE_URL=database_url(connection.settings_dict),
    )
    if broker != "filesystem":
        env["REMPART_BROKER_URL"] = url
    log = tmp_path_factory.mktemp(f"worker-{broker}") / "worker.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "config",
                "worker",
                "--pool=solo",
                "--concurrency=1",
                "--loglevel=INFO",
                "--queues",
                queue,
                "--hostname",
                f"{queue}@%h",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                "--include",
                worker_jobs.__name__,
            ],
            cwd=BASE_DIR,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    started = Worker(broker=broker, url=url, queue=queue, process=process, log=log)
    try:
        yield started
    finally:
        # Nothing runs any more: a short warm shutdown, then SIGKILL. (Celery only sees its
        # shutdown flags when the consumer loop wakes up, which on RabbitMQ takes seconds.)
        kill_group(process, grace=3.0)
        _delete_queue(started)
    assert process.returncode is not None
    assert group_members(process.pid) == {}, "the worker left processes behind"


def _reset_broker_connections() -> None:
    """Forget this process's broker connections, so that the next send uses the new URL."""
    pool = app._pool
    if pool is not None:
        pool.force_close_all()
    app._pool = None
    app.amqp._producer_pool = None
    kombu.pools.reset()


@pytest.fixture
def sending(worker: Worker) -> Iterator[Worker]:
    """This process sends real messages (not eager) to the worker's broker and queue."""
    names = ("task_always_eager", "broker_url", "broker_transport_options", "task_default_queue")
    saved = {name: app.conf[name] for name in names}
    app.conf.task_always_eager = False
    app.conf.broker_url = worker.url
    app.conf.broker_transport_options = worker.transport_options
    app.conf.task_default_queue = worker.queue
    _reset_broker_connections()
    try:
        yield worker
    finally:
        for name, value in saved.items():
            app.conf[name] = value
        _reset_broker_connections()


def wait_for(worker: Worker, run: JobRun, *statuses: str, timeout: float = JOB_TIMEOUT) -> JobRun:
    """Poll the run's row until its status is one of `statuses`; fail with the worker's log."""
    deadline = time.monotonic() + timeout
    while True:
        current = JobRun.objects.get(pk=run.pk)
        if current.status in statuses:
            return current
        if worker.process.poll() is not None:
            pytest.fail(
                f"the {worker.broker} worker exited with {worker.process.returncode}:\n"
                f"{worker.output()}"
            )
        if time.monotonic() > deadline:
            pytest.fail(
                f"job {run.pk} ({run.kind}) still {current.status!r} after {timeout:.0f} s on "
                f"the {worker.broker} broker; worker log:\n{worker.output()}"
            )
        time.sleep(0.1)


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
    assert "cancelled at the user's request" in done.log
    assert done.progress_done >= 1
    assert done.started_at is not None
    assert done.finished_at is not None
    assert done.result == {}


def test_failing_job_is_recorded_and_the_worker_carries_on(sending: Worker) -> None:
    marker = uuid.uuid4().hex[:8]
    run = job_enqueue(kind=worker_jobs.FAIL, title="Fails on purpose", params={"marker": marker})

    done = wait_for(sending, run, *FINISHED)
    assert done.status == JobStatus.FAILED
    assert done.error == f"RuntimeError: {worker_jobs.FAILURE_MESSAGE} {marker}"
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
