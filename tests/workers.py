"""Real Celery worker processes for the tests, and sending real messages to them.

A worker is `python -m celery -A config worker` with the production settings
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
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import kombu.pools
import pytest
from django.conf import settings
from django.db import connection
from kombu import Connection, Exchange, Queue

from config.celery import app
from config.integrations.celery import filesystem_broker_options, server_broker_options
from config.paths import BASE_DIR
from rempart.jobs.models import JobRun
from tests import worker_jobs
from tests.processes import clean_env, database_url, kill_group

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


def broker_url(broker: str) -> str:
    variable = BROKERS[broker]
    if variable is None:
        return "filesystem://"
    url = os.environ.get(variable, "")
    if not url:
        pytest.skip(f"{variable} is not set: no {broker} server to run a worker against")
    return url


def database_env(**extra: str) -> dict[str, str]:
    """The environment of a real `rempart` or `celery` process using this test database."""
    return clean_env(
        REMPART_HOME=str(settings.HOME),
        REMPART_SECRET_KEY=settings.SECRET_KEY,
        REMPART_ENCRYPTION_KEY=settings.ENCRYPTION_KEY,
        DATABASE_URL=database_url(connection.settings_dict),
        **extra,
    )


def worker_env(broker: str, url: str, **extra: str) -> dict[str, str]:
    env = database_env(**extra)
    if broker != "filesystem":
        env["REMPART_BROKER_URL"] = url
    return env


def start_worker(broker: str, queue: str, log: Path, *, pool: str = "solo", **env: str) -> Worker:
    """A worker process in a session of its own, on `queue`, logging to `log`."""
    url = broker_url(broker)
    with log.open("ab") as output:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "config",
                "worker",
                f"--pool={pool}",
                "--concurrency=1",
                "--loglevel=INFO",
                "--queues",
                queue,
                "--hostname",
                f"{queue}-{uuid.uuid4().hex[:6]}@%h",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                "--include",
                worker_jobs.__name__,
            ],
            cwd=BASE_DIR,
            env=worker_env(broker, url, **env),
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    return Worker(broker=broker, url=url, queue=queue, process=process, log=log)


def new_queue() -> str:
    return f"rempart-test-{uuid.uuid4().hex[:12]}"


def stop_worker(worker: Worker) -> None:
    """A short warm shutdown, then SIGKILL; the queue is deleted from a shared server.
    (Celery only sees its shutdown flags when the consumer loop wakes up, which on RabbitMQ
    takes seconds.)"""
    kill_group(worker.process, grace=3.0)
    delete_queue(worker)


def delete_queue(worker: Worker) -> None:
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


def _reset_broker_connections() -> None:
    """Forget this process's broker connections, so that the next send uses the new URL."""
    pool = app._pool
    if pool is not None:
        pool.force_close_all()
    app._pool = None
    app.amqp._producer_pool = None
    kombu.pools.reset()


@contextmanager
def sending_to(worker: Worker) -> Iterator[Worker]:
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


def wait_for(
    worker: Worker | None, run: JobRun, *statuses: str, timeout: float = JOB_TIMEOUT
) -> JobRun:
    """Poll the run's row until its status is one of `statuses`; fail with the worker's log."""
    deadline = time.monotonic() + timeout
    while True:
        current = JobRun.objects.get(pk=run.pk)
        if current.status in statuses:
            return current
        if worker is not None and worker.process.poll() is not None:
            pytest.fail(
                f"the {worker.broker} worker exited with {worker.process.returncode}:\n"
                f"{worker.output()}"
            )
        if time.monotonic() > deadline:
            where = ""
            if worker is not None:
                where = f" on the {worker.broker} broker; worker log:\n{worker.output()}"
            pytest.fail(
                f"job {run.pk} ({run.kind}) still {current.status!r} after {timeout:.0f} s"
                f"{where}\nlog: {current.log}"
            )
        time.sleep(0.1)
