"""Filesystem locations shared by settings, the CLI and the backup tools.

Kept free of Django imports so that `rempart` can prepare the data directory
(secret key, folders) before Django is configured.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
SECRET_KEY_FILENAME = "secret_key"
ENCRYPTION_KEY_FILENAME = "encryption_key"


def rempart_home() -> Path:
    """The data directory: `REMPART_HOME`, default `./var/` beside the code."""
    raw = os.environ.get("REMPART_HOME", "")
    return Path(raw).expanduser().resolve() if raw else BASE_DIR / "var"


def ensure_home(home: Path | None = None) -> Path:
    """Create the data directory and generate its keys when they do not exist yet.

    This is the embedded default's behaviour (`rempart run`, `rempart init`);
    production deployments pass the keys through the environment instead.
    """
    home = home or rempart_home()
    for sub in (
        "",
        "media",
        "broker/in",
        "broker/processed",
        "broker/control",
        "cache",
        "static",
        "backups",
        "logs",
    ):
        (home / sub).mkdir(parents=True, exist_ok=True)
    for name in (SECRET_KEY_FILENAME, ENCRYPTION_KEY_FILENAME):
        path = home / name
        if not path.exists():
            path.write_text(secrets.token_urlsafe(50) + "\n")
            path.chmod(0o600)
    return home
