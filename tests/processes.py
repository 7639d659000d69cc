"""Helpers for tests that start real processes: clean environments, database URLs, groups.

A child started by a test gets an environment without the test settings' variables
(`REMPART_TEST_*`, the test keys, `DJANGO_SETTINGS_MODULE=config.settings_test`…), so it
behaves like a real deployment with only what the test passes on purpose.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any
from urllib.parse import quote

from config.paths import BASE_DIR

REMPART = Path(sys.executable).with_name("rempart")  # the console script of this environment


def clean_env(**extra: str) -> dict[str, str]:
    """The environment of a real deployment: no REMPART_*, DATABASE_URL, settings module."""
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("REMPART_", "PYTEST_", "COV_CORE_"))
        and name not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE", "PYTHONUNBUFFERED")
    }
    env["DJANGO_SETTINGS_MODULE"] = "config.settings"
    env["PYTHONPATH"] = str(BASE_DIR)
    env.update(extra)
    return env


def database_url(db: dict[str, Any]) -> str:
    """A DATABASE_URL naming the database of a Django DATABASES entry (the test database)."""
    if str(db["ENGINE"]).endswith("sqlite3"):
        return f"sqlite:///{Path(str(db['NAME'])).resolve()}"
    credentials = ""
    if db.get("USER"):
        credentials = quote(str(db["USER"]), safe="")
        if db.get("PASSWORD"):
            credentials += ":" + quote(str(db["PASSWORD"]), safe="")
        credentials += "@"
    host = str(db.get("HOST") or "localhost")
    port = f":{db['PORT']}" if db.get("PORT") else ""
    return f"postgresql://{credentials}{host}{port}/{quote(str(db['NAME']), safe='')}"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _stat(pid: int) -> tuple[str, int, int, int] | None:
    """(state, parent pid, process group, session) of a process, from /proc; None if gone."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = raw[raw.rindex(")") + 2 :].split()
    return fields[0], int(fields[1]), int(fields[2]), int(fields[3])


def group_members(pgid: int) -> dict[int, str]:
    """Live (non-zombie) processes of process group `pgid`: pid -> command line."""
    return _members(2, pgid)


def session_members(sid: int) -> dict[int, str]:
    """Live (non-zombie) processes of session `sid` (every process group in it)."""
    return _members(3, sid)


def _members(field: int, value: int) -> dict[int, str]:
    members: dict[int, str] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        stat = _stat(int(entry.name))
        if stat is None or stat[field] != value or stat[0] in ("Z", "X"):
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode().strip()
        except OSError:
            continue
        members[int(entry.name)] = cmdline
    return members


def wait_group_gone(pgid: int, timeout: float) -> dict[int, str]:
    """Wait until no live process is left in group `pgid`; returns the survivors, if any."""
    return _wait_gone(group_members, pgid, timeout)


def wait_session_gone(sid: int, timeout: float) -> dict[int, str]:
    """Wait until no live process is left in session `sid`; returns the survivors, if any."""
    return _wait_gone(session_members, sid, timeout)


def _wait_gone(members: Any, key: int, timeout: float) -> dict[int, str]:
    deadline = time.monotonic() + timeout
    survivors: dict[int, str] = members(key)
    while survivors and time.monotonic() < deadline:
        time.sleep(0.1)
        survivors = members(key)
    return survivors


def kill_session(process: subprocess.Popen[Any], *, grace: float = 10.0) -> None:
    """Stop a child started with `start_new_session=True` and every process of its session
    (children in process groups of their own included): SIGTERM, then SIGKILL."""
    sid = process.pid
    for sig, wait in ((signal.SIGTERM, grace), (signal.SIGKILL, 5.0)):
        for pid in session_members(sid):
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, sig)
        if not wait_session_gone(sid, wait):
            break
    if process.poll() is None:
        process.wait(timeout=5)


def kill_group(
    process: subprocess.Popen[Any], *, first: signal.Signals = signal.SIGTERM, grace: float = 10.0
) -> None:
    """Stop a child started with `start_new_session=True` and everything it started:
    `first` to the whole group, SIGKILL to what is left after `grace` seconds."""
    pgid = process.pid
    for sig, wait in ((first, grace), (signal.SIGKILL, 5.0)):
        if process.poll() is not None and not group_members(pgid):
            break
        try:
            os.killpg(pgid, sig)
        except ProcessLookupError:
            break
        deadline = time.monotonic() + wait
        try:
            process.wait(timeout=wait)
        except subprocess.TimeoutExpired:
            continue
        if not wait_group_gone(pgid, max(0.1, deadline - time.monotonic())):
            break
    if process.poll() is None:
        process.wait(timeout=5)
