"""The hash chain: canonical form of an entry and verification of the whole log.

Verification reads the rows as the database stores them (raw SQL, timestamps and JSON as
text), never through the ORM's converters: a tampered value (a `created_at` that is not a
date, `changes` that are not JSON, a NULL where a value is required) then names its entry
instead of crashing the walk. The same walk checks the live database (`verify_chain`) and the
copy of a backup archive (`verify_rows`, fed by `rempart.ops.archive_audit`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from django.db import connection

from rempart.audit.models import GENESIS_HASH
from rempart.audit.problems import ChainProblem

HASHED_FIELDS = (
    "seq",
    "created_at",
    "actor_id",
    "actor_label",
    "establishment_id",
    "verb",
    "object_type",
    "object_id",
    "object_repr",
    "changes",
    "ip_address",
)
# The verb of the entry written when the head row had been removed or moved and was set back
# onto the last entry: from there on, the log cannot prove that nothing was removed before.
HEAD_REBUILT_VERB = "audit.chain.head_rebuilt"

# Every column the walk reads, as text where a type could hide a tampered value.
ENTRY_SELECT = (
    "SELECT seq, CAST(created_at AS TEXT) AS created_at, actor_id, actor_label,"
    " establishment_id, verb, object_type, object_id, object_repr,"
    " CAST(changes AS TEXT) AS changes, ip_address, prev_hash, hash"
    " FROM audit_auditentry"
)
ENTRY_COLUMNS = (*HASHED_FIELDS, "prev_hash", "hash")
HEAD_SELECT = "SELECT last_seq, last_hash FROM audit_auditchainhead WHERE id = 1"
BATCH = 2000
SHOWN_CHARS = 80  # of a malformed value, in the report


def entry_hash(prev_hash: str, fields: Mapping[str, Any]) -> str:
    """SHA-256 of the previous hash and the canonical JSON of the entry's fields."""
    canonical = {name: fields[name] for name in HASHED_FIELDS}
    canonical["created_at"] = canonical["created_at"].isoformat(timespec="microseconds")
    payload = json.dumps(canonical, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256((prev_hash + payload).encode()).hexdigest()


@dataclass(frozen=True)
class ChainReport:
    """Result of a verification: `broken_at` is the first bad sequence number, if any."""

    checked: int
    broken_at: int | None = None
    problem: ChainProblem | None = None
    detail: str = ""

    @property
    def ok(self) -> bool:
        return self.broken_at is None

    @property
    def reason(self) -> str:
        """The problem in English (command output, logs)."""
        return self.problem.english(self.detail) if self.problem else ""

    def describe(self) -> str:
        """The problem in the user's language (pages, job results)."""
        return self.problem.translated(self.detail) if self.problem else ""

    def as_result(self) -> dict[str, Any]:
        """JSON-safe form, as stored in a job's result or a restore's audit entry."""
        return {
            "ok": self.ok,
            "checked": self.checked,
            "broken_at": self.broken_at,
            "problem": self.problem.value if self.problem else "",
            "detail": self.detail,
            "reason": self.reason,
        }


class MalformedFieldError(ValueError):
    """A stored value that cannot be what the application wrote."""

    def __init__(self, field: str, value: Any) -> None:
        shown = repr(value)
        if len(shown) > SHOWN_CHARS:
            shown = shown[:SHOWN_CHARS] + "…"
        super().__init__(f"{field} = {shown}")
        self.field = field


def _integer(name: str, value: Any, *, nullable: bool = False) -> int | None:
    if value is None and nullable:
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.isascii() and value.isdigit():
        return int(value)
    raise MalformedFieldError(name, value)


def _text(name: str, value: Any, *, nullable: bool = False) -> str | None:
    if (value is None and nullable) or isinstance(value, str):
        return value
    raise MalformedFieldError(name, value)


def _timestamp(value: Any) -> dt.datetime:
    """Stored as text: naive UTC on SQLite, with an offset on PostgreSQL."""
    try:
        moment = dt.datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        moment = None
    if moment is None:
        raise MalformedFieldError("created_at", value)
    if moment.tzinfo is None:
        return moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(dt.UTC)


def _json(value: Any) -> Any:
    if not isinstance(value, str):
        raise MalformedFieldError("changes", value)
    try:
        return json.loads(value)
    except ValueError as exc:
        raise MalformedFieldError("changes", value) from exc


def canonical_entry(row: Mapping[str, Any]) -> dict[str, Any]:
    """The entry's fields as the application wrote them, or MalformedFieldError."""
    fields: dict[str, Any] = {
        "seq": _integer("seq", row["seq"]),
        "created_at": _timestamp(row["created_at"]),
        "actor_id": _integer("actor_id", row["actor_id"], nullable=True),
        "establishment_id": _integer("establishment_id", row["establishment_id"], nullable=True),
        "changes": _json(row["changes"]),
        "ip_address": _text("ip_address", row["ip_address"], nullable=True),
    }
    for name in ("actor_label", "verb", "object_type", "object_id", "object_repr"):
        fields[name] = _text(name, row[name])
    for name in ("prev_hash", "hash"):
        fields[name] = _text(name, row[name])
    return fields


class _Walk:
    """State of a walk along the chain, entry after entry."""

    def __init__(self) -> None:
        self.expected_prev, self.expected_seq, self.checked = GENESIS_HASH, 1, 0

    def step(self, row: Mapping[str, Any]) -> ChainReport | None:
        """Check one entry; a report when it breaks the chain, else None."""
        at = self.expected_seq
        try:
            if _integer("seq", row["seq"]) != at:
                return ChainReport(self.checked, at, ChainProblem.MISSING, str(at))
            entry = canonical_entry(row)
        except MalformedFieldError as exc:
            return ChainReport(self.checked, at, ChainProblem.MALFORMED, str(exc))
        if entry["prev_hash"] != self.expected_prev:
            return ChainReport(self.checked, at, ChainProblem.LINK)
        if entry_hash(entry["prev_hash"], entry) != entry["hash"]:
            return ChainReport(self.checked, at, ChainProblem.CONTENT)
        self.expected_prev, self.expected_seq = entry["hash"], at + 1
        self.checked += 1
        if entry["verb"] == HEAD_REBUILT_VERB:
            return ChainReport(self.checked, at, ChainProblem.HEAD_REBUILT)
        return None

    def head(self, head: Mapping[str, Any] | None) -> ChainReport:
        """Compare the head row with the last entry walked."""
        last = self.expected_seq - 1
        if head is None:
            if last == 0:
                return ChainReport(0)
            return ChainReport(self.checked, last + 1, ChainProblem.HEAD_MISSING)
        if not isinstance(head["last_seq"], int) or head["last_seq"] > last:
            return ChainReport(self.checked, last + 1, ChainProblem.TAIL_REMOVED)
        if head["last_seq"] != last or head["last_hash"] != self.expected_prev:
            return ChainReport(
                self.checked, head["last_seq"] + 1, ChainProblem.HEAD_MISMATCH, str(last)
            )
        return ChainReport(self.checked)


def verify_rows(
    rows: Iterable[Mapping[str, Any]],
    head: Mapping[str, Any] | None,
    *,
    total: int = 0,
    progress: Callable[[int, int], None] | None = None,
) -> ChainReport:
    """Walk raw rows in sequence order; report the first entry that breaks the chain, then
    check that the head row points at the last entry."""
    walk = _Walk()
    for row in rows:
        report = walk.step(row)
        if report is not None:
            return report
        if progress and (walk.checked % 500 == 0 or walk.checked == total):
            progress(walk.checked, total)
    return walk.head(head)


def _live_rows() -> Iterator[dict[str, Any]]:
    """The live log in sequence order, in batches (keyset pagination on `seq`)."""
    last: Any = 0
    with connection.cursor() as cursor:
        while True:
            query = f"{ENTRY_SELECT} WHERE seq > %s ORDER BY seq LIMIT %s"
            cursor.execute(query, [last, BATCH])
            rows = [dict(zip(ENTRY_COLUMNS, row, strict=True)) for row in cursor.fetchall()]
            if not rows:
                return
            yield from rows
            last = rows[-1]["seq"]


def _live_head() -> dict[str, Any] | None:
    with connection.cursor() as cursor:
        cursor.execute(HEAD_SELECT)
        row = cursor.fetchone()
    return None if row is None else {"last_seq": row[0], "last_hash": row[1]}


def verify_chain(progress: Callable[[int, int], None] | None = None) -> ChainReport:
    """Walk the live log in order; report the first entry whose link or content does not
    match, or a head row that does not point at the last entry."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM audit_auditentry")
        total = int(cursor.fetchone()[0])
    return verify_rows(_live_rows(), _live_head(), total=total, progress=progress)
