"""The audit chain inside a backup archive, verified before anything is restored.

A SQLite backup is a database file: the chain is walked in it directly. A PostgreSQL backup
is a `pg_dump` archive: `pg_restore --data-only` writes the two audit tables' rows as COPY
text, which is copied into a scratch SQLite file (so that the rows can be walked in sequence
order without holding them in memory), then walked the same way.
"""

from __future__ import annotations

import re
import sqlite3
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path
from typing import Any

from rempart.audit.chain import (
    ENTRY_COLUMNS,
    ENTRY_SELECT,
    HEAD_SELECT,
    ChainReport,
    verify_rows,
)
from rempart.ops.archive import ArchiveError

TABLES = {
    "audit_auditentry": ENTRY_COLUMNS,
    "audit_auditchainhead": ("id", "last_seq", "last_hash"),
}
INTEGER_COLUMNS = {"seq", "actor_id", "establishment_id", "id", "last_seq"}
_COPY_HEADER = re.compile(rb"^COPY (?:\w+\.)?(\w+) \(([^)]*)\) FROM stdin;$")
_COPY_ESCAPE = re.compile(rb"\\(x[0-9A-Fa-f]{1,2}|[0-7]{1,3}|.)")
_COPY_CHARACTERS = {b"b": b"\b", b"f": b"\f", b"n": b"\n", b"r": b"\r", b"t": b"\t", b"v": b"\v"}
INSERT_BATCH = 2000


def archived_chain_report(workdir: Path, manifest: dict[str, Any]) -> ChainReport:
    """Verify the audit chain of the extracted archive in `workdir`."""
    dump = workdir / manifest["database"]
    if manifest["engine"] == "sqlite":
        return _verify_sqlite(dump)
    with tempfile.TemporaryDirectory(prefix="rempart-audit-check-") as tmp:
        copy = Path(tmp) / "audit.sqlite3"
        _pg_audit_rows_to_sqlite(dump, copy)
        return _verify_sqlite(copy)


def _verify_sqlite(path: Path) -> ChainReport:
    try:
        with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as db:
            total = db.execute("SELECT COUNT(*) FROM audit_auditentry").fetchone()[0]
            rows = (
                dict(zip(ENTRY_COLUMNS, row, strict=True))
                for row in db.execute(f"{ENTRY_SELECT} ORDER BY seq")
            )
            head_row = db.execute(HEAD_SELECT).fetchone()
            head = None if head_row is None else {"last_seq": head_row[0], "last_hash": head_row[1]}
            return verify_rows(rows, head, total=total)
    except sqlite3.Error as exc:
        raise ArchiveError(f"cannot read the audit log of this backup ({exc})") from exc


def _pg_audit_rows_to_sqlite(dump: Path, target: Path) -> None:
    args = ["pg_restore", "--data-only", "--file=-"]
    args += [f"--table={table}" for table in TABLES]
    try:
        process = subprocess.Popen(
            [*args, str(dump)], stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
    except FileNotFoundError as exc:
        raise ArchiveError(
            "pg_restore is not installed (Debian: apt-get install postgresql-client)"
        ) from exc
    try:
        with closing(sqlite3.connect(target)) as db:
            _create_tables(db)
            for table, columns, rows in _copy_blocks(process.stdout):
                _insert(db, table, columns, rows)
            db.execute("CREATE INDEX audit_seq ON audit_auditentry (seq)")
            db.commit()
    finally:
        if process.poll() is None and process.stdout is not None:
            process.stdout.read()  # let pg_restore finish writing
        error = process.communicate()[1].decode(errors="replace").strip()
    if process.returncode != 0:
        raise ArchiveError(f"pg_restore could not read the audit log of this backup: {error}")


def _create_tables(db: sqlite3.Connection) -> None:
    for table, columns in TABLES.items():
        types = ", ".join(
            f"{name} {'INTEGER' if name in INTEGER_COLUMNS else 'TEXT'}" for name in columns
        )
        db.execute(f"CREATE TABLE {table} ({types})")


def _copy_blocks(stream: Any) -> Iterator[tuple[str, list[str], Iterator[list[str | None]]]]:
    """(table, columns, rows) of each COPY block of the audit tables in pg_restore's output."""
    for line in stream:
        header = _COPY_HEADER.match(line.rstrip(b"\n"))
        if header is None:
            continue
        table = header.group(1).decode()
        columns = [name.strip().strip('"') for name in header.group(2).decode().split(",")]
        yield table, columns, _copy_rows(stream)


def _copy_rows(stream: Any) -> Iterator[list[str | None]]:
    for raw_line in stream:
        line = raw_line.rstrip(b"\n")
        if line == b"\\.":
            return
        yield [_copy_field(field) for field in line.split(b"\t")]


def _copy_field(raw: bytes) -> str | None:
    """One field of PostgreSQL's COPY text format: `\\N` is NULL, backslash escapes."""
    if raw == b"\\N":
        return None
    return _COPY_ESCAPE.sub(_unescape, raw).decode("utf-8", errors="replace")


def _unescape(match: re.Match[bytes]) -> bytes:
    code = match.group(1)
    if code[:1] == b"x" and len(code) > 1:
        return bytes([int(code[1:], 16)])
    if code[:1].isdigit():
        return bytes([int(code, 8) & 0xFF])
    return _COPY_CHARACTERS.get(code, code)


def _insert(
    db: sqlite3.Connection, table: str, columns: list[str], rows: Iterator[list[str | None]]
) -> None:
    """Insert the rows of a COPY block: the columns the walk reads, whatever their order."""
    if table not in TABLES:
        for _row in rows:  # another table: consume its block
            pass
        return
    wanted = [(index, name) for index, name in enumerate(columns) if name in TABLES[table]]
    names = ", ".join(name for _index, name in wanted)
    marks = ", ".join("?" for _ in wanted)
    sql = f"INSERT INTO {table} ({names}) VALUES ({marks})"  # noqa: S608 (known names)
    batch: list[list[str | None]] = []
    for row in rows:
        batch.append([row[index] if index < len(row) else None for index, _name in wanted])
        if len(batch) >= INSERT_BATCH:
            db.executemany(sql, batch)
            batch = []
    db.executemany(sql, batch)
