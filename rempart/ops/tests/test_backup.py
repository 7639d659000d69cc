"""Backup and restore: a round trip into an empty platform, and the refusals.

The backup runs in this process (`call_command("backup")`) on the test database; the restore
runs as an operator would, `rempart restore ARCHIVE` in a subprocess, into an empty data
directory and a fresh database (a new SQLite file, or a new PostgreSQL database in scale
mode); other subprocesses then read the restored platform. Data is committed
(`transaction=True`) so that the online backup of SQLite and pg_dump see it.
"""

from __future__ import annotations

import contextlib
import gzip
import io
import json
import subprocess
import tarfile
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection

from rempart.audit.chain import verify_chain
from rempart.audit.models import AuditEntry
from rempart.audit.services import audit_record
from rempart.audit.tests.tampering import raw as tamper
from rempart.audit.tests.tampering import triggers_dropped
from rempart.core.crypto import encrypt
from rempart.ops.archive import MANIFEST, read_manifest
from rempart.tenancy.models import Establishment
from rempart.tenancy.tests.factories import EstablishmentFactory
from tests.processes import REMPART, clean_env, database_url

pytestmark = pytest.mark.django_db(transaction=True)

CANARY = "canary: a secret encrypted before the backup"

# Run in this process before the backup and in the restored platform after it (`rempart shell
# -c`): everything the round trip must keep, as one JSON line.
SNAPSHOT = """
import hashlib, json
from pathlib import Path
from django.conf import settings
from rempart.audit.models import AuditEntry
from rempart.core.crypto import decrypt
from rempart.tenancy.models import Establishment

establishment = Establishment.objects.get(slug={slug!r})
media = Path(settings.MEDIA_ROOT) / {media!r}
print("SNAPSHOT " + json.dumps({{
    "establishment": {{
        field.attname: str(getattr(establishment, field.attname))
        for field in Establishment._meta.concrete_fields
    }},
    "operator": establishment.operator.name,
    "establishments": sorted(Establishment.objects.values_list("slug", flat=True)),
    "chain": [list(row) for row in AuditEntry.objects.order_by("seq").values_list(
        "seq", "hash", "verb", "object_id")],
    "media": hashlib.sha256(media.read_bytes()).hexdigest() if media.is_file() else None,
    "secret_key": settings.SECRET_KEY,
    "encryption_key": settings.ENCRYPTION_KEY,
    "canary": decrypt({ciphertext!r}),
}}, sort_keys=True))
"""


class Source:
    """What the test puts in the platform before the backup."""

    def __init__(self, media_root: Path) -> None:
        marker = uuid.uuid4().hex[:10]
        self.establishment = EstablishmentFactory(
            name=f"CH Sauvegarde {marker}", slug=f"ch-backup-{marker}", city="Nanterre"
        )
        for verb in ("tenancy.establishment.created", "tenancy.establishment.updated"):
            audit_record(actor=None, verb=verb, target=self.establishment)
        audit_record(  # what PostgreSQL's COPY format escapes, read back by the restore
            actor=None,
            verb="tests.backup.marker",
            changes={"marker": marker, "text": 'tab\t newline\n backslash \\ " é ✓ \\N'},
            ip_address="2001:db8::1",
        )
        (media_root / "backup-tests" / marker).mkdir(parents=True)
        self.media_relative = f"backup-tests/{marker}/rapport.pdf"
        (media_root / self.media_relative).write_bytes(b"%PDF-1.4 " + uuid.uuid4().bytes * 64)
        self.ciphertext = encrypt(CANARY)

    def snapshot_code(self) -> str:
        return SNAPSHOT.format(
            slug=self.establishment.slug, media=self.media_relative, ciphertext=self.ciphertext
        )

    def snapshot_here(self) -> dict[str, Any]:
        output = io.StringIO()
        with contextlib.redirect_stdout(output):  # the code prints, as in `rempart shell -c`
            call_command("shell", command=self.snapshot_code(), verbosity=0)
        return _parse_snapshot(output.getvalue())


def _parse_snapshot(output: str) -> dict[str, Any]:
    lines = [line for line in output.splitlines() if line.startswith("SNAPSHOT ")]
    assert len(lines) == 1, output
    snapshot: dict[str, Any] = json.loads(lines[0].removeprefix("SNAPSHOT "))
    return snapshot


@pytest.fixture
def source(settings: Any, tmp_path: Path) -> Source:
    """The platform's data; its media directory is this test's own (xdist runs others)."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return Source(Path(settings.MEDIA_ROOT))


@pytest.fixture
def target_database(tmp_path: Path) -> Iterator[str]:
    """A DATABASE_URL naming an empty database of the test suite's engine."""
    db = dict(connection.settings_dict)
    if connection.vendor == "sqlite":
        (tmp_path / "restored-db").mkdir()
        yield database_url({**db, "NAME": str(tmp_path / "restored-db" / "rempart.sqlite3")})
        return
    import psycopg
    from psycopg import sql

    name = f"rempart_restore_{uuid.uuid4().hex[:12]}"
    server = {
        "dbname": "postgres",
        "host": db.get("HOST") or None,
        "port": db.get("PORT") or None,
        "user": db.get("USER") or None,
        "password": db.get("PASSWORD") or None,
    }
    with psycopg.connect(**server, autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield database_url({**db, "NAME": name})
    finally:
        with psycopg.connect(**server, autocommit=True) as admin:
            admin.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


def _backup(path: Path) -> Path:
    output = io.StringIO()
    call_command("backup", output=path, stdout=output)
    assert f"Backup written: {path}" in output.getvalue()
    return path


def rempart(
    *args: str, env: dict[str, str], timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(REMPART), *args], env=env, capture_output=True, text=True, timeout=120, check=False
    )


def _restored_env(home: Path, database: str, *, keys_in_env: bool) -> dict[str, str]:
    env = clean_env(REMPART_HOME=str(home), DATABASE_URL=database)
    if keys_in_env:
        env["REMPART_SECRET_KEY"] = settings.SECRET_KEY
        env["REMPART_ENCRYPTION_KEY"] = settings.ENCRYPTION_KEY
    return env


@pytest.mark.parametrize(
    "keys_in_env",
    [
        pytest.param(True, id="keys-from-environment"),
        pytest.param(
            False,
            id="keys-from-archive",
        ),
    ],
)
def test_backup_and_restore_round_trip(
    source: Source, target_database: str, tmp_path: Path, keys_in_env: bool
) -> None:
    before = source.snapshot_here()
    assert before["canary"] == CANARY
    assert len(before["chain"]) == AuditEntry.objects.count() >= 3
    archive = _backup(tmp_path / "rempart-backup.tar.gz")

    assert archive.stat().st_mode & 0o777 == 0o600
    assert not list(tmp_path.glob(".*.partial"))
    manifest = read_manifest(archive)
    assert manifest["engine"] == ("sqlite" if connection.vendor == "sqlite" else "postgresql")
    assert sorted(manifest["keys"]) == ["encryption_key", "secret_key"]
    assert f"media/{source.media_relative}" in manifest["files"]
    with tarfile.open(archive, "r:gz") as tar:  # the keys in effect, not the data dir's files
        for name, value in (
            ("secret_key", settings.SECRET_KEY),
            ("encryption_key", settings.ENCRYPTION_KEY),
        ):
            member = tar.extractfile(f"keys/{name}")
            assert member is not None
            assert member.read().decode().strip() == value

    home = tmp_path / "restored-home"
    env = _restored_env(home, target_database, keys_in_env=keys_in_env)
    restored = rempart("restore", str(archive), env=env)
    assert restored.returncode == 0, restored.stdout + restored.stderr
    assert "Restored the backup of" in restored.stdout
    assert f"Audit chain: {len(before['chain'])} entries, intact." in restored.stdout
    assert "Warning" not in restored.stderr, restored.stderr

    if not keys_in_env:  # the keys came from the archive, readable by the owner only
        for name, value in (
            ("secret_key", settings.SECRET_KEY),
            ("encryption_key", settings.ENCRYPTION_KEY),
        ):
            assert (home / name).read_text().strip() == value
            assert (home / name).stat().st_mode & 0o777 == 0o600

    shell = rempart("shell", "-c", source.snapshot_code(), env=env)
    assert shell.returncode == 0, shell.stdout + shell.stderr
    after = _parse_snapshot(shell.stdout)
    assert after == before
    assert (home / "media" / source.media_relative).read_bytes() == (
        Path(settings.MEDIA_ROOT) / source.media_relative
    ).read_bytes()

    verify = rempart("audit", "verify", env=env)
    assert verify.returncode == 0, verify.stdout + verify.stderr
    assert f"Audit chain intact: {len(before['chain'])} entries." in verify.stdout


def test_restore_over_a_used_platform_needs_force(
    source: Source, target_database: str, tmp_path: Path
) -> None:
    before = source.snapshot_here()
    archive = _backup(tmp_path / "backup.tar.gz")
    env = _restored_env(tmp_path / "home", target_database, keys_in_env=True)
    assert rempart("restore", str(archive), env=env).returncode == 0
    # The restored platform lives on: a new establishment, a new audit entry.
    change = (
        "from rempart.audit.services import audit_record\n"
        "from rempart.tenancy.models import Establishment, Operator\n"
        "e = Establishment.objects.create(operator=Operator.objects.get(), name='Après',"
        " slug='apres-la-sauvegarde', category='ch')\n"
        "audit_record(actor=None, verb='tests.backup.after', target=e)\n"
    ) + source.snapshot_code()
    changed = rempart("shell", "-c", change, env=env)
    assert changed.returncode == 0, changed.stderr
    assert "apres-la-sauvegarde" in _parse_snapshot(changed.stdout)["establishments"]

    refused = rempart("restore", str(archive), env=env)
    assert refused.returncode == 1
    assert "the target database is not empty: nothing was restored. Use --force" in (refused.stderr)
    forced = rempart("restore", "--force", str(archive), env=env)

    assert forced.returncode == 0, forced.stdout + forced.stderr
    assert f"Audit chain: {len(before['chain'])} entries, intact." in forced.stdout
    shell = rempart("shell", "-c", source.snapshot_code(), env=env)
    assert _parse_snapshot(shell.stdout) == before


def test_backup_without_keys(source: Source, tmp_path: Path) -> None:
    output = io.StringIO()
    call_command("backup", output=tmp_path / "b.tar.gz", no_keys=True, stdout=output)

    manifest = read_manifest(tmp_path / "b.tar.gz")
    assert manifest["keys"] == []
    assert not [name for name in manifest["files"] if name.startswith("keys/")]
    with tarfile.open(tmp_path / "b.tar.gz", "r:gz") as tar:
        assert not [name for name in tar.getnames() if name.startswith("keys")]
    assert "store it as a secret" not in output.getvalue()
    assert AuditEntry.objects.filter(verb="ops.backup.created").count() == 1


def test_restore_refuses_a_database_that_holds_data(source: Source, tmp_path: Path) -> None:
    archive = _backup(tmp_path / "backup.tar.gz")
    later = EstablishmentFactory(slug=f"{source.establishment.slug}-later")
    media = Path(settings.MEDIA_ROOT) / source.media_relative
    media.write_bytes(b"changed after the backup")
    entries = AuditEntry.objects.count()

    with pytest.raises(CommandError, match=r"not empty: nothing was restored\. Use --force"):
        call_command("restore", str(archive))

    assert Establishment.objects.filter(pk=later.pk).exists()
    assert AuditEntry.objects.count() == entries
    assert media.read_bytes() == b"changed after the backup"


def _rewrite(
    archive: Path,
    target: Path,
    *,
    replace: dict[str, Any] | None = None,
    drop: tuple[str, ...] = (),
    add: dict[str, bytes] | None = None,
) -> Path:
    """Copy a backup member by member: `replace` maps a name prefix to a data -> data function."""
    with tarfile.open(archive, "r:gz") as source, tarfile.open(target, "w:gz") as copy:
        for member in source.getmembers():
            if member.name in drop:
                continue
            handle = source.extractfile(member) if member.isfile() else None
            if handle is None:
                copy.addfile(member)
                continue
            data = handle.read()
            for prefix, change in (replace or {}).items():
                if member.name.startswith(prefix):
                    data = change(data)
            member.size = len(data)
            copy.addfile(member, io.BytesIO(data))
        for name, data in (add or {}).items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            copy.addfile(info, io.BytesIO(data))
    return target


def _flip_middle_byte(data: bytes) -> bytes:
    middle = len(data) // 2
    return data[:middle] + bytes([data[middle] ^ 0xFF]) + data[middle + 1 :]


def _truncate(archive: Path, target: Path, keep: float) -> Path:
    content = archive.read_bytes()
    target.write_bytes(content[: int(len(content) * keep)])
    return target


def _not_an_archive(archive: Path, target: Path) -> Path:
    target.write_bytes(gzip.compress(b"not a tar file " * 100))
    return target


DAMAGES: dict[str, tuple[Any, str]] = {
    "truncated-early": (
        lambda archive, target: _truncate(archive, target, 0.3),
        r"not a Rempart backup, or a truncated or damaged one",
    ),
    "truncated-late": (
        lambda archive, target: _truncate(archive, target, 0.995),
        r"truncated or damaged",
    ),
    "tampered-database": (
        lambda archive, target: _rewrite(archive, target, replace={"database.": _flip_middle_byte}),
        r"SHA-256 mismatch for database\.(sqlite3|pgdump) .*altered or damaged",
    ),
    "tampered-key": (
        lambda archive, target: _rewrite(
            archive, target, replace={"keys/encryption_key": lambda data: b"attacker\n"}
        ),
        r"SHA-256 mismatch for keys/encryption_key",
    ),
    "file-added": (
        lambda archive, target: _rewrite(archive, target, add={"media/intruder.txt": b"x"}),
        r"files not listed in the manifest: media/intruder\.txt",
    ),
    "manifest-removed": (
        lambda archive, target: _rewrite(archive, target, drop=(MANIFEST,)),
        r"not a Rempart backup \(no manifest\.json inside\)",
    ),
    "not-an-archive": (_not_an_archive, r"not a Rempart backup"),
    "missing": (lambda archive, target: target, r"no such backup file"),
}


@pytest.mark.parametrize("damage", list(DAMAGES))
def test_restore_refuses_a_damaged_archive(source: Source, tmp_path: Path, damage: str) -> None:
    archive = _backup(tmp_path / "backup.tar.gz")
    make, message = DAMAGES[damage]
    damaged = make(archive, tmp_path / "damaged.tar.gz")
    establishments = Establishment.objects.count()
    entries = AuditEntry.objects.count()

    # The archive is checked before the target: its problem is named even for a platform that
    # holds data (and without --force, a regression could not overwrite the test database).
    with pytest.raises(CommandError, match=message):
        call_command("restore", str(damaged))

    assert Establishment.objects.count() == establishments
    assert AuditEntry.objects.count() == entries


def test_cli_restore_of_a_truncated_archive_names_the_problem(
    source: Source, target_database: str, tmp_path: Path
) -> None:
    archive = _backup(tmp_path / "backup.tar.gz")
    damaged = _truncate(archive, tmp_path / "damaged.tar.gz", 0.5)
    env = _restored_env(tmp_path / "home", target_database, keys_in_env=True)

    result = rempart("restore", str(damaged), env=env)

    assert result.returncode == 1
    assert "truncated or damaged" in result.stderr
    assert "Traceback" not in result.stderr


def _broken_backup(source: Source, tmp_path: Path) -> Path:
    """A backup whose audit log was edited (entry #2) by someone with database access."""
    with triggers_dropped():
        tamper("UPDATE audit_auditentry SET object_repr = %s WHERE seq = 2", ["innocent"])
    assert verify_chain().broken_at == 2
    return _backup(tmp_path / "broken-audit.tar.gz")


def test_restore_refuses_an_archive_whose_audit_chain_is_broken(
    source: Source, tmp_path: Path
) -> None:
    archive = _broken_backup(source, tmp_path)
    entries = AuditEntry.objects.count()

    # The archive's chain is checked before the target: named even for a database with data
    # (without --force, a regression could not overwrite the test database).
    with pytest.raises(CommandError, match=r"audit log in this backup is broken at entry #2 "):
        call_command("restore", str(archive))

    assert AuditEntry.objects.count() == entries
    assert AuditEntry.objects.get(seq=2).object_repr == "innocent"


def test_cli_restore_of_a_broken_audit_chain_needs_an_explicit_acceptance(
    source: Source, target_database: str, tmp_path: Path
) -> None:
    archive = _broken_backup(source, tmp_path)
    env = _restored_env(tmp_path / "home", target_database, keys_in_env=True)

    refused = rempart("restore", str(archive), env=env)

    assert refused.returncode == 1, refused.stdout + refused.stderr
    assert "audit log in this backup is broken at entry #2 (content does not match" in (
        refused.stderr
    )
    assert "--accept-broken-audit" in refused.stderr
    assert "Traceback" not in refused.stderr
    assert "Restored" not in refused.stdout

    accepted = rempart("restore", "--accept-broken-audit", str(archive), env=env)  # no --force:
    assert accepted.returncode == 0, accepted.stdout + accepted.stderr  # nothing was written
    assert "restored with --accept-broken-audit, recorded as audit entry #" in accepted.stderr
    assert "BROKEN at #2: content does not match its hash" in accepted.stderr
    last = (
        "from rempart.audit.models import AuditEntry\n"
        "import json\n"
        "e = AuditEntry.objects.order_by('seq').last()\n"
        "print('LAST ' + json.dumps([e.verb, e.actor_label, e.changes]))\n"
    )
    shell = rempart("shell", "-c", last, env=env)
    line = next(row for row in shell.stdout.splitlines() if row.startswith("LAST "))
    verb, actor, changes = json.loads(line.removeprefix("LAST "))
    assert (verb, actor) == ("ops.backup.broken_audit_accepted", "cli")
    assert changes["broken_at"] == 2
    assert changes["problem"] == "content"
    assert changes["file"] == archive.name
    verify = rempart("audit", "verify", env=env)
    assert verify.returncode == 2
    assert "broken at entry #2" in verify.stdout
