"""Backup archives: a tar.gz holding the database, the files and (optionally) the keys.

No Django import here: `rempart restore` puts the keys back before Django starts, since
settings need them. Every file of the archive is listed in its manifest with its SHA-256;
a restore refuses an archive that is truncated, altered or not a Rempart backup.
"""

from __future__ import annotations

import hashlib
import json
import os
import tarfile
import zlib
from pathlib import Path
from typing import Any

from config.paths import ENCRYPTION_KEY_FILENAME, SECRET_KEY_FILENAME

FORMAT_VERSION = 1
MANIFEST = "manifest.json"
KEYS_DIR = "keys"
KEY_FILENAMES = (SECRET_KEY_FILENAME, ENCRYPTION_KEY_FILENAME)


class ArchiveError(Exception):
    """The archive is missing, unreadable, or its content does not match its manifest."""


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


# What a damaged archive raises while being read: truncated gzip stream, bad CRC, bad tar header.
_READ_ERRORS = (tarfile.TarError, OSError, EOFError, zlib.error)


def read_manifest(archive: Path) -> dict[str, Any]:
    """The archive's manifest, checked for the fields a restore needs."""
    if not archive.is_file():
        raise ArchiveError(f"{archive}: no such backup file")
    try:
        with tarfile.open(archive, "r:gz") as tar:
            member = tar.extractfile(MANIFEST)
            if member is None:
                raise ArchiveError(f"{archive}: not a Rempart backup (no {MANIFEST} inside)")
            manifest = json.load(member)
    except KeyError as exc:
        raise ArchiveError(f"{archive}: not a Rempart backup (no {MANIFEST} inside)") from exc
    except (*_READ_ERRORS, ValueError) as exc:
        raise ArchiveError(
            f"{archive}: not a Rempart backup, or a truncated or damaged one ({exc})"
        ) from exc
    if not isinstance(manifest, dict):
        raise ArchiveError(f"{archive}: not a Rempart backup ({MANIFEST} is not an object)")
    if manifest.get("format") != FORMAT_VERSION:
        raise ArchiveError(f"{archive}: unsupported backup format {manifest.get('format')!r}")
    missing = [key for key in ("engine", "database", "files") if key not in manifest]
    if missing or not isinstance(manifest["files"], dict):
        raise ArchiveError(f"{archive}: damaged {MANIFEST} (missing {', '.join(missing)})")
    if manifest["database"] not in manifest["files"]:
        raise ArchiveError(f"{archive}: damaged {MANIFEST} (the database file is not listed)")
    return manifest


def extract_verified(archive: Path, destination: Path) -> dict[str, Any]:
    """Extract the archive and check that it holds exactly the manifest's files and SHA-256."""
    manifest = read_manifest(archive)
    try:
        with tarfile.open(archive, "r:gz") as tar:
            tar.extractall(destination, filter="data")
    except _READ_ERRORS as exc:
        raise ArchiveError(f"{archive}: truncated or damaged archive ({exc})") from exc
    listed: dict[str, str] = manifest["files"]
    for name, expected in listed.items():
        path = destination / name
        if not path.is_file():
            raise ArchiveError(f"{archive}: {name} is listed in the manifest but missing")
        actual = sha256_file(path)
        if actual != expected:
            raise ArchiveError(
                f"{archive}: SHA-256 mismatch for {name} (manifest {expected[:12]}…, "
                f"archive {actual[:12]}…): the backup was altered or damaged"
            )
    unexpected = sorted(
        str(path.relative_to(destination))
        for path in destination.rglob("*")
        if path.is_file() and str(path.relative_to(destination)) not in (*listed, MANIFEST)
    )
    if unexpected:
        raise ArchiveError(
            f"{archive}: files not listed in the manifest: {', '.join(unexpected[:5])}"
        )
    return manifest


def preload_keys(archive: Path, home: Path) -> list[str]:
    """Put the archived keys into the data directory before Django starts (`rempart restore`).

    A key file already in `home` is kept. Returns the names of the keys written.
    """
    manifest = read_manifest(archive)
    restored: list[str] = []
    names = [name for name in manifest.get("keys", []) if name in KEY_FILENAMES]
    if not names:
        return restored
    try:
        with tarfile.open(archive, "r:gz") as tar:
            for name in names:
                target = home / name
                if target.exists():
                    continue
                member = f"{KEYS_DIR}/{name}"
                handle = tar.extractfile(member)
                if handle is None or member not in manifest["files"]:
                    raise ArchiveError(f"{archive}: key {name} missing")
                content = handle.read()
                if hashlib.sha256(content).hexdigest() != manifest["files"][member]:
                    raise ArchiveError(f"{archive}: SHA-256 mismatch for {member}")
                home.mkdir(parents=True, exist_ok=True)
                descriptor = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
                with os.fdopen(descriptor, "wb") as out:
                    out.write(content)
                restored.append(name)
    except KeyError as exc:
        raise ArchiveError(f"{archive}: a key listed in the manifest is missing ({exc})") from exc
    except _READ_ERRORS as exc:
        raise ArchiveError(f"{archive}: truncated or damaged archive ({exc})") from exc
    return restored
