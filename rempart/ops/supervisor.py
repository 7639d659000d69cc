"""How `rempart run` keeps its children together: web server, job worker, scheduler.

- Each child runs in its own process group, so that stopping it reaches what it started (a
  Celery pool, gunicorn's workers) even when the child itself died first.
- Each child gets SIGTERM if `rempart run` dies without stopping it (Linux parent-death
  signal), so that no worker or scheduler outlives its supervisor.
- One child stops: every child stops, and `rempart run` exits with an error (a service
  manager restarts the whole set).
- One scheduler per data directory: `rempart run` holds a lock on `scheduler.lock`, inherited
  by the scheduler it starts; a second `rempart run` on the same REMPART_HOME is refused.
"""

from __future__ import annotations

import contextlib
import ctypes
import fcntl
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

PR_SET_PDEATHSIG = 1
STOP_SECONDS = 15.0
POLL_SECONDS = 0.3
LOCK_FILENAME = "scheduler.lock"


class AlreadyRunningError(Exception):
    """Another `rempart run` holds the scheduler lock of this data directory."""


@dataclass
class SchedulerLock:
    """An exclusive flock on REMPART_HOME/scheduler.lock, held while the scheduler lives."""

    path: Path
    fd: int = -1

    @classmethod
    def acquire(cls, home: Path) -> SchedulerLock:
        lock = cls(home / LOCK_FILENAME)
        lock.fd = os.open(lock.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(lock.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.read(lock.fd, 32).decode(errors="replace").strip() or "unknown"
            os.close(lock.fd)
            raise AlreadyRunningError(holder) from None
        os.ftruncate(lock.fd, 0)
        os.write(lock.fd, f"{os.getpid()}\n".encode())
        return lock


def _parent_death_signal(parent: int) -> Any:
    """Runs in the child before exec: SIGTERM when the supervisor dies (Linux)."""

    def setup() -> None:
        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
        if os.getppid() != parent:  # the supervisor died before prctl took effect
            os.kill(os.getpid(), signal.SIGTERM)

    return setup


@dataclass
class Child:
    """One supervised process: a name for messages, its command line, files it inherits."""

    name: str
    argv: list[str]
    pass_fds: tuple[int, ...] = ()
    process: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    def start(self) -> None:
        self.process = subprocess.Popen(
            self.argv,
            process_group=0,
            pass_fds=self.pass_fds,
            preexec_fn=_parent_death_signal(os.getpid()),  # noqa: PLW1509  (no threads here)
        )

    @property
    def pgid(self) -> int:
        return self.process.pid if self.process is not None else -1

    def exited(self) -> int | None:
        return None if self.process is None else self.process.poll()

    def group_alive(self) -> bool:
        if self.process is None:
            return False
        try:
            os.killpg(self.pgid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return True

    def signal_group(self, signum: int) -> None:
        if self.process is None:
            return
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.pgid, signum)


class Supervisor:
    """Starts children, waits for Ctrl-C, SIGTERM or the death of one, then stops them all."""

    def __init__(self, err: TextIO | None = None) -> None:
        self.children: list[Child] = []
        self.stopping = False
        self.err = err or sys.stderr
        for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(signum, self._stop)

    def _stop(self, signum: int, frame: Any) -> None:
        self.stopping = True

    def start(self, child: Child) -> None:
        if self.stopping:  # Ctrl-C while starting: start nothing more
            return
        self.children.append(child)
        child.start()

    def run(self) -> int:
        """Wait, then stop every child; 0 after Ctrl-C/SIGTERM, 1 if a child died."""
        code = 0
        while not self.stopping:
            for child in self.children:
                status = child.exited()
                if status is not None:
                    self.err.write(
                        f"rempart: the {child.name} stopped (exit status {status}): "
                        "stopping everything.\n"
                    )
                    self.stopping, code = True, 1
                    break
            else:
                time.sleep(POLL_SECONDS)
        self.stop_all()
        return code

    def stop_all(self) -> None:
        """SIGTERM to each child, then to what is left of its group, SIGKILL at the deadline."""
        deadline = time.monotonic() + STOP_SECONDS
        for child in self.children:
            if child.exited() is None:
                child.process.terminate()  # type: ignore[union-attr]
        self._wait(deadline, leaders_only=True)
        for child in self.children:
            child.signal_group(signal.SIGTERM)  # orphans of a child that died (its pool)
        self._wait(min(deadline, time.monotonic() + 3), leaders_only=False)
        for child in self.children:
            child.signal_group(signal.SIGKILL)
            with contextlib.suppress(subprocess.TimeoutExpired):
                child.process.wait(timeout=5)  # type: ignore[union-attr]

    def _wait(self, deadline: float, *, leaders_only: bool) -> None:
        while time.monotonic() < deadline:
            alive = [
                c
                for c in self.children
                if c.exited() is None or (not leaders_only and c.group_alive())
            ]
            if not alive:
                return
            time.sleep(0.1)
