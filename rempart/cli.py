"""The `rempart` console script: a thin wrapper over Django's management commands.

`rempart run`, `rempart migrate`, `rempart backup`, `rempart audit verify`… are the
management commands of the project; `rempart init` prepares the data directory first.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    args = sys.argv[1:]
    if args and args[0] in ("init", "run", "restore"):
        # These commands may start from an empty data directory: create it and its keys.
        # A restore first puts the archive's keys back, since the settings need them.
        from config.paths import ensure_home, rempart_home

        if args[0] == "restore":
            _restore_keys(args[1:], rempart_home())
        ensure_home()
    from django.core.management import execute_from_command_line

    execute_from_command_line(["rempart", *args])


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
