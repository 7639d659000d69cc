"""Consistent backups and restores of the database and files.

SQLite: the online backup API (a consistent copy while the platform runs). PostgreSQL:
`pg_dump --format=custom` and `pg_restore`. Files: the media directory. Keys: the data
directory's generated keys, so that encrypted secrets stay readable after a restore.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone

from config.paths import ENCRYPTION_KEY_FILENAME, SECRET_KEY_FILENAME
from rempart.ops.archive import (
    FORMAT_VERSION,
    KEYS_DIR,
    MANIFEST,
    ArchiveError,
    extract_verified,
    sha256_file,
)
from rempart.ops.archive_audit import archived_chain_report


class BackupError(Exception):
    """A backup or restore step failed (pg_dump or pg_restore missing or in error)."""


DB_SQLITE = "database.sqlite3"
DB_POSTGRES = "database.pgdump"


def _database() -> dict[str, Any]:
    db: dict[str, Any] = settings.DATABASES["default"]
    return db


def _is_sqlite() -> bool:
    return str(_database()["ENGINE"]).endswith("sqlite3")


def _pg_args() -> list[str]:
    db = _database()
    args = ["--dbname", str(db["NAME"])]
    for flag, key in (("--host", "HOST"), ("--port", "PORT"), ("--username", "USER")):
        if db.get(key):
            args += [flag, str(db[key])]
    return args


def _pg_env() -> dict[str, str]:
    env = dict(os.environ)
    if _database().get("PASSWORD"):
        env["PGPASSWORD"] = str(_database()["PASSWORD"])
    return env


def _pg_tool(args: list[str]) -> None:
    """Run pg_dump or pg_restore; a failure becomes a BackupError with the tool's message."""
    try:
        subprocess.run(args, check=True, env=_pg_env(), capture_output=True, text=True)
    except FileNotFoundError as exc:
        raise BackupError(
            f"{args[0]} is not installed (Debian: apt-get install postgresql-client)"
        ) from exc
    except subprocess.CalledProcessError as exc:
        detail = (exc.stderr or "").strip()[-800:]
        raise BackupError(f"{args[0]} failed with exit code {exc.returncode}: {detail}") from exc


def _dump_database(workdir: Path) -> str:
    if _is_sqlite():
        # The online backup API: a consistent copy even while the platform writes.
        source = sqlite3.connect(str(_database()["NAME"]))
        copy = sqlite3.connect(str(workdir / DB_SQLITE))
        try:
            source.backup(copy)
        finally:
            copy.close()
            source.close()
        return DB_SQLITE
    _pg_tool(
        [
            "pg_dump",
            "--format=custom",
            "--no-owner",
            "--no-acl",
            "--file",
            str(workdir / DB_POSTGRES),
            *_pg_args(),
        ]
    )
    return DB_POSTGRES


def _copy_media(workdir: Path) -> None:
    """Copy the media directory; a file deleted while the backup runs is simply left out."""
    media = Path(settings.MEDIA_ROOT)
    if not media.is_dir():
        return
    for source in sorted(media.rglob("*")):
        target = workdir / "media" / source.relative_to(media)
        try:
            if source.is_symlink() or not source.is_file():
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
        except FileNotFoundError:
            target.unlink(missing_ok=True)


def _keys_in_effect() -> dict[str, str]:
    """The keys this platform runs with, wherever they come from (environment or files)."""
    return {
        SECRET_KEY_FILENAME: str(settings.SECRET_KEY),
        ENCRYPTION_KEY_FILENAME: str(settings.ENCRYPTION_KEY),
    }


def _copy_keys(workdir: Path, include_keys: bool) -> list[str]:
    """The keys in effect, not the data directory's files: with REMPART_SECRET_KEY and
    REMPART_ENCRYPTION_KEY set, those files are absent or unrelated to the data."""
    if not include_keys:
        return []
    (workdir / KEYS_DIR).mkdir(mode=0o700)
    for name, value in _keys_in_effect().items():
        (workdir / KEYS_DIR / name).write_text(value + "\n")
    return list(_keys_in_effect())


def backup_create(
    *, output: Path | None = None, include_keys: bool = True
) -> tuple[Path, dict[str, Any]]:
    """Write a verified tar.gz archive; returns its path and manifest."""
    stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
    output = output or settings.HOME / "backups" / f"rempart-{stamp}.tar.gz"
    output.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="rempart-backup-") as tmp:
        workdir = Path(tmp)
        database_file = _dump_database(workdir)
        _copy_media(workdir)
        keys = _copy_keys(workdir, include_keys)
        files = {
            str(path.relative_to(workdir)): sha256_file(path)
            for path in sorted(workdir.rglob("*"))
            if path.is_file()
        }
        manifest = {
            "format": FORMAT_VERSION,
            "created_at": timezone.now().isoformat(),
            "engine": "sqlite" if _is_sqlite() else "postgresql",
            "database": database_file,
            "migrations": _migration_state(),
            "keys": keys,
            "files": files,
        }
        (workdir / MANIFEST).write_text(json.dumps(manifest, indent=2))
        _write_archive(workdir, output)
    return output, manifest


def _write_archive(workdir: Path, output: Path) -> None:
    """Readable by its owner only from the start (it holds the keys); complete or absent."""
    partial = output.with_name(f".{output.name}.partial")
    partial.unlink(missing_ok=True)
    descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with (
            os.fdopen(descriptor, "wb") as handle,
            tarfile.open(fileobj=handle, mode="w:gz") as tar,
        ):
            for entry in sorted(workdir.iterdir()):
                tar.add(entry, arcname=entry.name)
        os.replace(partial, output)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise


def _migration_state() -> dict[str, str]:
    state: dict[str, str] = {}
    for app, name in MigrationRecorder.Migration.objects.values_list("app", "name"):
        state[app] = max(state.get(app, ""), name)
    return state


def _database_is_empty() -> bool:
    tables = connection.introspection.table_names()
    if "django_migrations" not in tables:
        return True
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM django_migrations")
        row = cursor.fetchone()
    return bool(row and row[0] == 0)


def backup_restore(
    *, archive: Path, force: bool = False, accept_broken_audit: bool = False
) -> dict[str, Any]:
    """Restore an archive into this platform's database and media directory.

    The archive is checked first (every file against the manifest's SHA-256, then its audit
    chain, refused when broken unless `accept_broken_audit`), then the target: nothing is
    written unless all are right. The returned manifest gains `audit_chain` (the archived
    chain's verification) and `keys_differ`: the archived keys that differ from the keys in
    effect (encrypted secrets unreadable).
    """
    with tempfile.TemporaryDirectory(prefix="rempart-restore-") as tmp:
        workdir = Path(tmp)
        manifest = extract_verified(archive, workdir)
        engine = "sqlite" if _is_sqlite() else "postgresql"
        if manifest["engine"] != engine:
            raise ArchiveError(
                f"this backup holds a {manifest['engine']} database; this platform uses {engine}"
            )
        manifest["audit_chain"] = _archived_chain(workdir, manifest, accept_broken_audit)
        if not force and not _database_is_empty():
            raise ArchiveError(
                "the target database is not empty: nothing was restored. "
                "Use --force to overwrite it."
            )
        _restore_database(workdir / manifest["database"])
        if (workdir / "media").is_dir():
            shutil.copytree(workdir / "media", settings.MEDIA_ROOT, dirs_exist_ok=True)
        manifest["keys_differ"] = [
            name
            for name, value in _keys_in_effect().items()
            if (workdir / KEYS_DIR / name).is_file()
            and (workdir / KEYS_DIR / name).read_text().strip() != value
        ]
    return manifest


def _archived_chain(workdir: Path, manifest: dict[str, Any], accept_broken: bool) -> dict[str, Any]:
    """Verify the archive's audit chain; a broken one is refused unless accepted."""
    report = archived_chain_report(workdir, manifest)
    if not report.ok and not accept_broken:
        raise ArchiveError(
            f"the audit log in this backup is broken at entry #{report.broken_at} "
            f"({report.reason}): nothing was restored. To restore it anyway, use "
            "--accept-broken-audit; the acceptance is then recorded in the restored audit log."
        )
    return report.as_result()


def _restore_database(dump: Path) -> None:
    if _is_sqlite():
        connection.close()
        target = Path(str(_database()["NAME"]))
        for suffix in ("-wal", "-shm"):
            Path(f"{target}{suffix}").unlink(missing_ok=True)
        with sqlite3.connect(str(dump)) as source, sqlite3.connect(str(target)) as copy:
            source.backup(copy)
        return
    connection.close()
    _pg_tool(
        [
            "pg_restore",
            "--clean",
            "--if-exists",
            "--no-owner",
            "--no-acl",
            "--exit-on-error",
            "--single-transaction",
            *_pg_args(),
            str(dump),
        ]
    )
