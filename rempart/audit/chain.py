"""The hash chain: canonical form of an entry and verification of the whole log."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from rempart.audit.models import GENESIS_HASH, AuditChainHead, AuditEntry

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


def entry_hash(prev_hash: str, fields: dict[str, Any]) -> str:
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
    reason: str = ""

    @property
    def ok(self) -> bool:
        return self.broken_at is None


def _entries(batch: int = 2000) -> Iterator[AuditEntry]:
    last = 0
    while True:
        rows = list(AuditEntry.objects.filter(seq__gt=last).order_by("seq")[:batch])
        if not rows:
            return
        yield from rows
        last = rows[-1].seq


def verify_chain(progress: Callable[[int, int], None] | None = None) -> ChainReport:
    """Walk the log in order; report the first entry whose link or content does not match."""
    total = AuditEntry.objects.count()
    expected_prev, expected_seq, checked = GENESIS_HASH, 1, 0
    for entry in _entries():
        if entry.seq != expected_seq:
            return ChainReport(checked, expected_seq, f"entry #{expected_seq} is missing")
        if entry.prev_hash != expected_prev:
            return ChainReport(checked, entry.seq, "link to the previous entry does not match")
        if entry_hash(entry.prev_hash, entry.__dict__) != entry.hash:
            return ChainReport(checked, entry.seq, "content does not match its hash")
        expected_prev, expected_seq, checked = entry.hash, entry.seq + 1, checked + 1
        if progress and (checked % 500 == 0 or checked == total):
            progress(checked, total)
    head = AuditChainHead.objects.filter(pk=1).first()
    if head and (head.last_seq != expected_seq - 1 or head.last_hash != expected_prev):
        return ChainReport(checked, expected_seq, "entries after this point were removed")
    return ChainReport(checked)
