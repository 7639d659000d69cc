"""The centre's Ed25519 key pair, generated at first use in `REMPART_HOME/probes/`."""

from __future__ import annotations

import os
import threading
from functools import cache
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from config.paths import rempart_home
from rempart.probe import signing

KEY_FILENAME = "centre-ed25519.key"
_lock = threading.Lock()


def key_path() -> Path:
    return rempart_home() / "probes" / KEY_FILENAME


@cache
def _load(path: Path) -> Ed25519PrivateKey:
    with _lock:
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            pem = signing.private_key_pem(signing.new_private_key())
            try:
                descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            except FileExistsError:  # another process wrote it first
                pass
            else:
                with os.fdopen(descriptor, "wb") as handle:
                    handle.write(pem)
        return signing.load_private_key(path.read_bytes())


def centre_key() -> Ed25519PrivateKey:
    return _load(key_path())


def centre_public_key() -> str:
    return signing.public_key_b64(centre_key())
