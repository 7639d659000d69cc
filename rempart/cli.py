"""The `rempart` console script: a thin wrapper over Django's management commands.

`rempart run`, `rempart migrate`, `rempart backup`, `rempart audit verify`… are the
management commands of the project; `rempart init` prepares the data directory first.
"""

from __future__ import annotations

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    args = sys.argv[1:]
    if args and args[0] in ("init", "run", "restore"):
        # These commands may start from an empty data directory: create it and its keys.
        from config.paths import ensure_home

        if args[0] != "restore":
            ensure_home()
    from django.core.management import execute_from_command_line

    execute_from_command_line(["rempart", *args])


if __name__ == "__main__":
    main()
