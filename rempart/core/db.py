"""Database helpers shared by the apps."""

from __future__ import annotations

import fcntl
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from django.db import connection

_turns = threading.Lock()
_held = threading.local()
_files: dict[str, IO[bytes]] = {}


@contextmanager
def write_turn() -> Iterator[None]:
    """On SQLite, frequent small writers (tracking hits) take turns through a lock beside the
    database file instead of meeting on SQLite's own lock, whose busy handler sleeps up to
    100 ms before retrying: a waiting writer here wakes as soon as the previous one has
    committed. Open the transaction inside (`with write_turn(), transaction.atomic():`).
    Re-entrant per thread; nothing on other databases."""
    path = _lock_path()
    if path is None or getattr(_held, "turn", False):
        yield
        return
    with _turns:  # threads of this process, then processes (flock is per open file)
        lock = _files.get(path) or _files.setdefault(path, Path(path).open("ab"))  # noqa: SIM115  (kept open)
        fcntl.flock(lock, fcntl.LOCK_EX)
        _held.turn = True
        try:
            yield
        finally:
            _held.turn = False
            fcntl.flock(lock, fcntl.LOCK_UN)


def _lock_path() -> str | None:
    if connection.vendor != "sqlite":
        return None
    name = str(connection.settings_dict["NAME"])
    if name.startswith("file:") or ":memory:" in name or not Path(name).parent.is_dir():
        return None
    return f"{name}-writers.lock"
