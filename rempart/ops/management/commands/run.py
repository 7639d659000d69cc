"""`rempart run`: migrate, first set-up, then web server, job worker and scheduler together.

Ctrl-C or SIGTERM stops all of them; if one dies, the others are stopped and `rempart run`
exits with an error (rempart/ops/supervisor.py). One scheduler per data directory: a second
`rempart run` on the same REMPART_HOME is refused. With REMPART_BROKER_URL set, `--no-worker`
lets workers run on other machines (`celery -A config worker`).
"""

from __future__ import annotations

import os
import re
import sys
from importlib.metadata import version
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from rempart.ops.gunicorn import WEB_THREADS, web_workers
from rempart.ops.management.commands.init import initialise
from rempart.ops.supervisor import AlreadyRunningError, Child, SchedulerLock, Supervisor


class Command(BaseCommand):
    help = "Start the platform: web server, job worker and scheduler."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--host", default=os.environ.get("REMPART_HOST", "127.0.0.1"))
        # argparse converts a string default with `type`: a bad REMPART_PORT gets its message.
        parser.add_argument("--port", type=int, default=os.environ.get("REMPART_PORT", "8000"))
        parser.add_argument(
            "--web-workers",
            type=int,
            default=web_workers(),
            help="Web server processes (default: 2 per CPU + 1).",
        )
        parser.add_argument(
            "--web-threads", type=int, default=WEB_THREADS, help="Threads per web process."
        )
        parser.add_argument("--concurrency", type=int, default=2, help="Job worker processes.")
        parser.add_argument(
            "--no-worker", action="store_true", help="Web server only (no worker, no scheduler)."
        )
        parser.add_argument("--no-demo", action="store_true", help="Do not load the demo region.")

    def handle(self, *args: Any, **options: Any) -> None:
        lock = None if options["no_worker"] else _scheduler_lock()
        initialise(self, demo=settings.DEMO and not options["no_demo"])
        # Out before the children write to the same stream: under systemd or Docker, stdout is
        # a pipe, and the first administrator's one-time password must not wait in a buffer.
        self.stdout.flush()
        supervisor = Supervisor()
        supervisor.start(Child("web server", _web(options)))
        if lock is not None:
            supervisor.start(Child("job worker", _worker(options)))
            supervisor.start(Child("scheduler", _beat(), pass_fds=(lock.fd,)))
        if not supervisor.stopping:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Rempart: http://{options['host']}:{options['port']}/ (Ctrl-C stops it)."
                )
            )
            self.stdout.flush()
        sys.exit(supervisor.run())


def _scheduler_lock() -> SchedulerLock:
    try:
        return SchedulerLock.acquire(settings.HOME)
    except AlreadyRunningError as exc:
        raise CommandError(
            f"another `rempart run` (pid {exc}) is already running on {settings.HOME}: "
            "stop it first, or start this one with --no-worker (web server only)."
        ) from None


def _web(options: dict[str, Any]) -> list[str]:
    return [
        sys.executable,
        "-m",
        "gunicorn",
        "config.wsgi:application",
        "--bind",
        f"{options['host']}:{options['port']}",
        "--workers",
        str(options["web_workers"]),
        "--threads",
        str(options["web_threads"]),
        "--access-logfile",
        "-",
        "--logger-class",
        "rempart.ops.gunicorn.AccessLogger",
        "--graceful-timeout",
        "5",
        *_gunicorn_control_socket_off(),
    ]


def _worker(options: dict[str, Any]) -> list[str]:
    return [
        *_celery(),
        "worker",
        "--loglevel",
        "INFO",
        "--concurrency",
        str(options["concurrency"]),
        "-n",
        "embedded@%h",
    ]


def _beat() -> list[str]:
    """The scheduler, in a process of its own: it inherits the data directory's lock."""
    return [*_celery(), "beat", "--loglevel", "INFO"]


def _celery() -> list[str]:
    return [sys.executable, "-m", "celery", "-A", "config"]


def _gunicorn_control_socket_off() -> list[str]:
    """Gunicorn 25.1+ opens a control socket at ~/.gunicorn/gunicorn.ctl by default: one path
    shared by every instance of the user and outside the data directory. `rempart run`
    supervises its server itself, so it turns the socket off."""
    found = re.match(r"(\d+)\.(\d+)", version("gunicorn"))
    major_minor = (int(found[1]), int(found[2])) if found else (0, 0)
    return ["--no-control-socket"] if major_minor >= (25, 1) else []
