"""What the Django benchmarks share: a throw-away data directory and the machine's description."""

from __future__ import annotations

import os
import platform
import sqlite3
from pathlib import Path


def django_home(home: Path, *, database_url: str | None = None) -> None:
    """Production settings on a fresh data directory (SQLite in it unless `database_url`),
    migrated."""
    os.environ.update(
        {
            "REMPART_HOME": str(home),
            "REMPART_SECRET_KEY": "bench-secret-key-0123456789abcdef0123456789abcdef",
            "REMPART_ENCRYPTION_KEY": "bench-encryption-key-0123456789abcdef",
            "REMPART_ALLOWED_HOSTS": "testserver",
            "DJANGO_SETTINGS_MODULE": "config.settings",
        }
    )
    if database_url:
        os.environ["DATABASE_URL"] = database_url
    else:
        os.environ.pop("DATABASE_URL", None)
    from config.paths import ensure_home  # noqa: PLC0415

    ensure_home(home)
    import django  # noqa: PLC0415
    from django.core.management import call_command  # noqa: PLC0415

    django.setup()
    call_command("migrate", verbosity=0)


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return (
        f"{cpu}, {os.cpu_count()} CPU, {memory:.0f} GiB RAM, {platform.system()} "
        f"{platform.release()}, Python {platform.python_version()}, SQLite "
        f"{sqlite3.sqlite_version}"
    )
