"""`rempart run`: migrate, first set-up, then web server, job worker and scheduler together.

Ctrl-C stops all of them. With REMPART_BROKER_URL set, `--no-worker` lets workers run
on other machines (`celery -A config worker`).
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from importlib.metadata import version
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from rempart.ops.gunicorn import WEB_THREADS, web_workers
from rempart.ops.management.commands.init import initialise


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
        parser.add_argument("--no-worker", action="store_true", help="Web server only.")
        parser.add_argument("--no-demo", action="store_true", help="Do not load the demo region.")

    def handle(self, *args: Any, **options: Any) -> None:
        initialise(self, demo=settings.DEMO and not options["no_demo"])
        # Out before the children write to the same stream: under systemd or Docker, stdout is
        # a pipe, and the first administrator's one-time password must not wait in a buffer.
        self.stdout.flush()
        children = [self._web(options)]
        if not options["no_worker"]:
            children.append(self._worker(options))
        self.stdout.write(
            self.style.SUCCESS(
                f"Rempart: http://{options['host']}:{options['port']}/ (Ctrl-C stops it)."
            )
        )
        self.stdout.flush()
        sys.exit(_supervise(children))

    @staticmethod
    def _web(options: dict[str, Any]) -> subprocess.Popen[bytes]:
        return subprocess.Popen(
            [
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
        )

    @staticmethod
    def _worker(options: dict[str, Any]) -> subprocess.Popen[bytes]:
        return subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "config",
                "worker",
                "--beat",
                "--loglevel",
                "INFO",
                "--concurrency",
                str(options["concurrency"]),
                "-n",
                "embedded@%h",
            ]
        )


def _gunicorn_control_socket_off() -> list[str]:
    """Gunicorn 25.1+ opens a control socket at ~/.gunicorn/gunicorn.ctl by default: one path
    shared by every instance of the user and outside the data directory. `rempart run`
    supervises its server itself, so it turns the socket off."""
    found = re.match(r"(\d+)\.(\d+)", version("gunicorn"))
    major_minor = (int(found[1]), int(found[2])) if found else (0, 0)
    return ["--no-control-socket"] if major_minor >= (25, 1) else []


def _supervise(children: list[subprocess.Popen[bytes]]) -> int:
    """Wait until Ctrl-C or until one child dies, then stop every child."""
    stopping = False

    def _stop(signum: int, frame: Any) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, _stop)
    signal.signal(signal.SIGTERM, _stop)
    code = 0
    while not stopping:
        for child in children:
            if child.poll() is not None:
                stopping, code = True, child.returncode or 1
        time.sleep(0.3)
    for child in children:
        if child.poll() is None:
            child.terminate()
    deadline = time.monotonic() + 15
    for child in children:
        try:
            child.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            child.kill()
    return code
