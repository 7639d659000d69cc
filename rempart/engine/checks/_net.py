"""Helpers shared by check modules (the loader skips `_` modules: nothing registers here).

`shared()` lets several checks of one module reuse one probe of an endpoint: the TLS
checks share one sslyze scan, the SSH checks one key exchange, the HTTP checks their
requests. Results are kept per scope guard (so per scan run), per endpoint, for a short
time; the address is checked against the guard before the cache is even looked at.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any, TypeVar, cast

from rempart.engine.checks.base import CheckContext

T = TypeVar("T")
TTL_S = 300.0
MAX_ENTRIES = 1024


@dataclass
class _Entry:
    owner: object  # the AllowedSet: held so that its id() cannot be reused while cached
    expires: float
    value: Any


class _SharedResults:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: dict[tuple[Hashable, ...], _Entry] = {}
        self._key_locks: dict[tuple[Hashable, ...], threading.Lock] = {}

    def get(self, owner: object, key: tuple[Hashable, ...], compute: Callable[[], T]) -> T:
        full = (id(owner), *key)
        with self._lock:
            key_lock = self._key_locks.setdefault(full, threading.Lock())
        with key_lock:
            now = time.monotonic()
            with self._lock:
                entry = self._entries.get(full)
                if entry is not None and entry.owner is owner and entry.expires > now:
                    return cast(T, entry.value)
            try:
                value = compute()
            except BaseException:
                with self._lock:
                    self._key_locks.pop(full, None)
                raise
            with self._lock:
                self._prune(now)
                self._entries[full] = _Entry(owner, now + TTL_S, value)
            return value

    def _prune(self, now: float) -> None:
        for stale in [k for k, e in self._entries.items() if e.expires <= now]:
            del self._entries[stale]
            self._key_locks.pop(stale, None)
        while len(self._entries) >= MAX_ENTRIES:
            oldest = min(self._entries, key=lambda k: self._entries[k].expires)
            del self._entries[oldest]
            self._key_locks.pop(oldest, None)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._key_locks.clear()


RESULTS = _SharedResults()


def shared(
    context: CheckContext, kind: str, address: str, port: int, compute: Callable[[], T]
) -> T:
    """`compute()` once per (scan, kind, endpoint); raises ScopeViolationError out of scope."""
    checked = context.allowed.check(address)
    return RESULTS.get(context.allowed, (kind, checked, port), compute)


def printable(data: bytes, limit: int = 200) -> str:
    """Bytes from a peer as a short, single-line, printable excerpt for evidence."""
    text = data[:limit].decode("latin-1")
    cleaned = "".join(ch if ch.isprintable() else f"\\x{ord(ch):02x}" for ch in text)
    return cleaned + ("…" if len(data) > limit else "")
