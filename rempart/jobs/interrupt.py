"""Ctrl-C and `kill` of a command, as the job it runs sees them.

Django-free: `rempart` installs these handlers before Django is configured. SIGINT and SIGTERM
raise `CommandInterruptedError` (a KeyboardInterrupt) in the main thread, as Ctrl-C does, and
set `STOP`, which threads of the job (an nmap watcher, a thread pool) poll to stop early.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Any

STOP = threading.Event()
SIGNALS = (signal.SIGINT, signal.SIGTERM)
REDELIVERY_DELAY_S = 0.05  # long enough for the unraisable hook to have returned


class CommandInterruptedError(KeyboardInterrupt):
    """The command received SIGINT (Ctrl-C) or SIGTERM (kill)."""

    def __init__(self, signum: int = signal.SIGINT, detail: str = "") -> None:
        super().__init__(detail)
        self.signum = signum
        self.detail = detail

    @property
    def exit_code(self) -> int:
        return 128 + int(self.signum)

    @property
    def signal_name(self) -> str:
        return "Ctrl-C" if self.signum == signal.SIGINT else signal.Signals(self.signum).name


def _raise(signum: int, frame: FrameType | None) -> None:
    STOP.set()
    raise CommandInterruptedError(signum)


def _unraisable(info: Any) -> None:
    """An interruption raised where Python cannot propagate it (a weakref callback during an
    import, a `__del__`) would be printed with a traceback and lost: deliver it again, so
    that it lands in the command's own code. Other such errors: one line."""
    exc = info.exc_value
    if isinstance(exc, KeyboardInterrupt):
        # Sent again from another thread a moment later: a signal sent here would run its
        # handler inside this hook, where the exception is again lost (with a traceback).
        signum = getattr(exc, "signum", signal.SIGINT)
        threading.Thread(target=_deliver_later, args=(signum,), daemon=True).start()
        return
    sys.stderr.write(f"rempart: warning: ignored {type(exc).__name__}: {exc}\n")


def _deliver_later(signum: int) -> None:
    time.sleep(REDELIVERY_DELAY_S)
    os.kill(os.getpid(), signum)


def install() -> None:
    """SIGINT and SIGTERM interrupt the command (main thread only, as Python requires)."""
    if threading.current_thread() is threading.main_thread():
        for signum in SIGNALS:
            signal.signal(signum, _raise)
        sys.unraisablehook = _unraisable


@contextmanager
def deferred() -> Iterator[None]:
    """Hold SIGINT/SIGTERM back while a job writes its final state; they arrive right after."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, SIGNALS)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)
