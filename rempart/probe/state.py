"""The probe's state: one directory holding its key, its enrolment and the result spool."""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from rempart.probe import signing

DEFAULT_STATE_DIR = Path("/var/lib/rempart-probe")
KEY_FILE = "probe-ed25519.key"
STATE_FILE = "state.json"
SPOOL = "spool"
REJECTED = "rejected"


class StateError(Exception):
    """The state directory is missing, unreadable or not enrolled."""


@dataclass
class Enrolment:
    server: str
    probe: str
    name: str
    establishment: str
    centre_public_key: str
    heartbeat_interval: int = 60
    last_job: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


def _write_private(path: Path, data: bytes) -> None:
    temporary = path.with_suffix(".tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    temporary.replace(path)


class State:
    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def prepare(self) -> None:
        self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        (self.directory / SPOOL).mkdir(mode=0o700, exist_ok=True)

    def key(self) -> Ed25519PrivateKey:
        """The probe's private key, generated once."""
        path = self.directory / KEY_FILE
        if not path.exists():
            _write_private(path, signing.private_key_pem(signing.new_private_key()))
        return signing.load_private_key(path.read_bytes())

    def enrolment(self) -> Enrolment:
        path = self.directory / STATE_FILE
        try:
            data = json.loads(path.read_text())
            return Enrolment(**data)
        except FileNotFoundError as exc:
            raise StateError(f"not enrolled: {path} does not exist (run `enroll` first)") from exc
        except (OSError, ValueError, TypeError) as exc:
            raise StateError(f"unreadable state file {path}: {exc}") from exc

    def save(self, enrolment: Enrolment) -> None:
        _write_private(self.directory / STATE_FILE, json.dumps(asdict(enrolment)).encode())

    # The spool: one folder per job, chunks written before the first upload attempt.
    def spool_dir(self, job_id: str) -> Path:
        return self.directory / SPOOL / job_id

    def spooled(self) -> list[Path]:
        root = self.directory / SPOOL
        if not root.exists():
            return []
        return sorted(
            (p for p in root.iterdir() if p.is_dir() and p.name != REJECTED),
            key=lambda p: p.stat().st_mtime,
        )

    def reject(self, folder: Path) -> None:
        target = self.directory / SPOOL / REJECTED
        target.mkdir(exist_ok=True)
        shutil.move(str(folder), target / folder.name)
