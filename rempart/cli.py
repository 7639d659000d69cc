"""The `rempart` console script: a thin wrapper over Django's management commands.

`rempart run`, `rempart migrate`, `rempart backup`, `rempart audit verify`… are the
management commands of the project; `rempart init` prepares the data directory first.

No traceback reaches the user: a missing configuration, Ctrl-C or kill, a locked database, a
lack of memory or an unexpected error each print one line and exit with a status of their own
(docs/operations.md). The traceback of an unexpected error goes to REMPART_HOME/logs/cli.log;
`--traceback` shows it instead.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import signal
import sys
import traceback
from pathlib import Path
from typing import NoReturn

from rempart.jobs.interrupt import SIGNALS, CommandInterruptedError, install

EXIT_ERROR = 1
EXIT_OUT_OF_MEMORY = 71  # sysexits EX_OSERR
EXIT_LOCKED = 75  # sysexits EX_TEMPFAIL: try again later
EXIT_CONFIG = 78  # sysexits EX_CONFIG


def main() -> None:
    install()
    args = sys.argv[1:]
    try:
        _run(args)
    except CommandInterruptedError as exc:
        message = f"interrupted ({exc.signal_name})" + _detail(exc.detail)
        _exit(exc.exit_code, message, own_line=True)
    except KeyboardInterrupt:
        _exit(130, "interrupted (Ctrl-C)", own_line=True)
    except BrokenPipeError:  # `rempart jobs list | head`: the reader left, nothing to say
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(EXIT_ERROR)
    except MemoryError:
        _exit(EXIT_OUT_OF_MEMORY, "out of memory: the command stopped (its transaction undone).")
    except Exception as exc:
        if "--traceback" in args:
            raise
        _exit(*_describe(exc, args))


def _run(args: list[str]) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    if args and args[0] in ("init", "run", "restore"):
        # These commands may start from an empty data directory: create it and its keys.
        # A restore first puts the archive's keys back, since the settings need them.
        from config.paths import ensure_home, rempart_home

        if args[0] == "restore":
            _restore_keys(args[1:], rempart_home())
        ensure_home()
    if args and args[0] not in ("help", "--help", "-h", "--version", "version"):
        # Settings first: without them Django would list only its own commands, or open a
        # bare Python shell, instead of saying what is missing.
        from django.conf import settings

        settings.INSTALLED_APPS  # noqa: B018  (loading them raises ImproperlyConfigured)
    from django.core.management import execute_from_command_line

    execute_from_command_line(["rempart", *args])


def _describe(exc: Exception, args: list[str]) -> tuple[int, str]:
    from django.core.exceptions import ImproperlyConfigured, ValidationError

    if isinstance(exc, ImproperlyConfigured):
        return EXIT_CONFIG, f"configuration error: {exc}"
    if isinstance(exc, ValidationError):
        return EXIT_ERROR, "invalid value: " + " ".join(str(m) for m in exc.messages)
    if isinstance(exc, OSError) and exc.strerror:
        where = f": {exc.filename}" if exc.filename else ""
        return EXIT_ERROR, f"{exc.strerror}{where}"
    if _is_locked(exc):
        return EXIT_LOCKED, (
            "the database is locked by another process (a long write in progress): "
            "try again when it has finished."
        )
    logged = _log_traceback(args)
    where = f" (details in {logged})" if logged else ""
    return EXIT_ERROR, f"unexpected error: {type(exc).__name__}: {exc}{where}"


def _is_locked(exc: Exception) -> bool:
    try:
        from django.db import OperationalError
    except ImportError:  # pragma: no cover - Django is a dependency
        return False
    return isinstance(exc, OperationalError) and "database is locked" in str(exc)


def _log_traceback(args: list[str]) -> Path | None:
    """Keep the traceback for whoever investigates; None if the data directory is unwritable."""
    from config.paths import rempart_home

    path = rempart_home() / "logs" / "cli.log"
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a", encoding="utf-8") as log:
            stamp = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
            log.write(f"--- {stamp} rempart {' '.join(args)}\n{traceback.format_exc()}\n")
    except OSError:
        return None
    return path


def _detail(detail: str) -> str:
    return f": {detail}" if detail else ""


def _exit(code: int, message: str, *, own_line: bool = False) -> NoReturn:
    """One line on stderr; after Ctrl-C on a terminal, below the `^C` the terminal echoed."""
    if own_line:  # a second Ctrl-C while exiting changes nothing
        for signum in SIGNALS:
            signal.signal(signum, signal.SIG_IGN)
    with contextlib.suppress(OSError, ValueError):
        sys.stdout.flush()
    start = "\n" if own_line and sys.stderr.isatty() else ""
    sys.stderr.write(f"{start}rempart: {message}\n")
    sys.exit(code)


def _restore_keys(args: list[str], home: Path) -> None:
    from rempart.ops.archive import ArchiveError, preload_keys

    archive = next((arg for arg in args if not arg.startswith("-")), None)
    if archive:
        try:
            preload_keys(Path(archive), home)
        except ArchiveError as exc:
            sys.exit(f"CommandError: {exc}")


if __name__ == "__main__":
    main()
