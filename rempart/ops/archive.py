"""Backup archives: a tar.gz holding the database, the files and (optionally) the keys.

No Django import here: `rempart restore` puts the keys back before Django starts, since
settings need them.
"""

from __future__ import annotations

import hashlib
import json
import tarfile
from pathlib import Path
from typing import Any

FORMAT_VERSION = 1
MANIFEST = "manifest.json"
KEYS_DIR = "keys"


class ArchiveError(Exception):
    """The archive is missing, unreadable, or its content does not match its manifest."""


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def read_manifest(archive: Path) -> dict[str, Any]:
    if not archive.is_file():
        raise ArchiveError(f"{archive}: no such backup file")
    try:
        with tarfile.open(archive, "r:gz") as tar:
            member = tar.extractfile(MANIFEST)
            if member is None:
                raise ArchiveError(f"{archive}: no {MANIFEST} inside")
            manifest: dict[str, Any] = json.load(member)
    except (tarfile.TarError, KeyError, OSError, json.JSONDecodeError) as exc:
        raise ArchiveError(f"{archive}: not a Rempart backup ({exc})") from exc
    if manifest.get("format") != FORMAT_VERSION:
        raise ArchiveError(f"{archive}: unsupported backup format {manifest.get('format')!r}")
    return manifest


def extract_verified(archive: Path, destination: Path) -> dict[str, Any]:
    """Extract every file listed in the manifest and check its SHA-256."""
    manifest = read_manifest(archive)
    with tarfile.open(archive, "r:gz") as tar:
        tar.extractall(destination, filter="data")
    for name, expected in manifest["files"].items():
        path = destination / name
        if not path.is_file() or sha256_file(path) != expected:
            raise ArchiveError(f"{archive}: {name} is missing or corrupted")
    return manifest


def preload_keys(archive: Path, home: Path) -> list[str]:
    """Put the archived keys into an empty data directory before Django starts."""
    manifest = read_manifest(archive)
    restored: list[str] = []
    with tarfile.open(archive, "r:gz") as tar:
        for name in manifest.get("keys", []):
            target = home / name
            if target.exists():
                continue
            member = tar.extractfile(f"{KEYS_DIR}/{name}")
            if member is None:
                raise ArchiveError(f"{archive}: key {name} missing")
            home.mkdir(parents=True, exist_ok=True)
            target.write_bytes(member.read())
            target.chmod(0o600)
            restored.append(name)
    return restored
