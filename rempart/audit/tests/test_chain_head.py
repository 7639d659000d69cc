"""The chain head is protected like the entries, checked by `audit verify`, and a head that
went missing anyway neither hides the damage nor blocks later audited actions; a malformed
field names its entry instead of crashing the verification."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction

from rempart.audit.chain import HEAD_REBUILT_VERB, verify_chain
from rempart.audit.models import AuditChainHead, AuditEntry
from rempart.audit.problems import ChainProblem
from rempart.audit.services import audit_record
from rempart.audit.tests.tampering import drop_triggers, raw

pytestmark = pytest.mark.django_db


def test_database_refuses_removing_or_moving_the_head(entries: list[AuditEntry]) -> None:
    third = entries[2]
    tamperings = [
        ("DELETE FROM audit_auditchainhead", []),
        ("UPDATE audit_auditchainhead SET last_seq = %s, last_hash = %s", [3, third.hash]),
        ("UPDATE audit_auditchainhead SET last_hash = %s", ["f" * 64]),
        ("UPDATE audit_auditchainhead SET id = 2", []),
    ]
    for sql, params in tamperings:
        with pytest.raises(DatabaseError), transaction.atomic():
            raw(sql, params)
    head = AuditChainHead.objects.get()
    assert (head.last_seq, head.last_hash) == (5, entries[-1].hash)
    assert verify_chain().ok


def test_database_refuses_a_second_head(entries: list[AuditEntry]) -> None:
    with pytest.raises(DatabaseError), transaction.atomic():
        raw(
            "INSERT INTO audit_auditchainhead (id, last_seq, last_hash) VALUES (2, 5, %s)",
            [entries[-1].hash],
        )


def test_removed_head_is_reported(entries: list[AuditEntry], capsys: Any) -> None:
    drop_triggers()
    raw("DELETE FROM audit_auditchainhead")

    report = verify_chain()

    assert report.problem == ChainProblem.HEAD_MISSING
    assert report.broken_at == 6
    assert "head row was removed" in report.reason
    with pytest.raises(CommandError) as caught:
        call_command("audit", "verify")
    assert caught.value.returncode == 2
    assert "broken at entry #6" in capsys.readouterr().out


def test_audited_actions_go_on_after_the_head_was_removed(
    entries: list[AuditEntry], personas: dict[str, Any]
) -> None:
    drop_triggers()
    raw("DELETE FROM audit_auditchainhead")

    entry = audit_record(actor=personas["alice"], verb="tenancy.site.created")

    marker = AuditEntry.objects.get(seq=6)
    assert marker.verb == HEAD_REBUILT_VERB
    assert marker.changes == {"previous_head": None, "last_entry": 5}
    assert entry.seq == 7
    assert entry.prev_hash == marker.hash
    report = verify_chain()
    assert (report.broken_at, report.problem) == (6, ChainProblem.HEAD_REBUILT)
    assert report.checked == 6


def test_head_moved_back_is_reported_then_rebuilt(
    entries: list[AuditEntry], personas: dict[str, Any]
) -> None:
    drop_triggers()
    raw("UPDATE audit_auditchainhead SET last_seq = 3, last_hash = %s", [entries[2].hash])
    report = verify_chain()
    assert (report.broken_at, report.problem) == (4, ChainProblem.HEAD_MISMATCH)

    entry = audit_record(actor=personas["alice"], verb="tenancy.site.created")

    assert entry.seq == 7
    marker = AuditEntry.objects.get(seq=6)
    assert marker.changes["previous_head"] == {"last_seq": 3, "last_hash": entries[2].hash}
    assert verify_chain().problem == ChainProblem.HEAD_REBUILT


def test_an_emptied_log_does_not_restart_silently(
    entries: list[AuditEntry], personas: dict[str, Any]
) -> None:
    drop_triggers()
    raw("DELETE FROM audit_auditentry")
    assert verify_chain().problem == ChainProblem.TAIL_REMOVED

    entry = audit_record(actor=personas["alice"], verb="tenancy.site.created")

    marker = AuditEntry.objects.get(seq=1)
    assert marker.verb == HEAD_REBUILT_VERB
    assert marker.changes["previous_head"]["last_seq"] == 5
    assert entry.seq == 2
    assert (verify_chain().broken_at, verify_chain().problem) == (1, ChainProblem.HEAD_REBUILT)


def test_head_and_tail_removed_together_is_reported(entries: list[AuditEntry]) -> None:
    drop_triggers()
    raw("DELETE FROM audit_auditentry WHERE seq >= 4")
    raw("DELETE FROM audit_auditchainhead")
    report = verify_chain()
    assert (report.broken_at, report.problem) == (4, ChainProblem.HEAD_MISSING)


# (engine, column, SQL value, problem found at entry #3). PostgreSQL's types refuse a
# malformed value: there, the attacker also removed a NOT NULL constraint to store a NULL.
CORRUPTIONS = [
    ("sqlite", "created_at", "'not a date'", ChainProblem.MALFORMED),
    ("sqlite", "created_at", "'2026-13-45 99:99:99'", ChainProblem.MALFORMED),
    ("sqlite", "created_at", "12345", ChainProblem.MALFORMED),
    ("sqlite", "actor_id", "'mallory'", ChainProblem.MALFORMED),
    ("sqlite", "verb", "x'00ff'", ChainProblem.MALFORMED),
    ("sqlite", "ip_address", "x'01'", ChainProblem.MALFORMED),
    ("sqlite", "seq", "'three'", ChainProblem.MISSING),  # sorted after the numbers
    ("postgresql", "created_at", "NULL", ChainProblem.MALFORMED),
    ("postgresql", "changes", "NULL", ChainProblem.MALFORMED),
    ("postgresql", "verb", "NULL", ChainProblem.MALFORMED),
    ("postgresql", "hash", "NULL", ChainProblem.MALFORMED),
]


def _corrupt(column: str, value: str) -> None:
    drop_triggers()
    if connection.vendor == "postgresql":
        raw(f"ALTER TABLE audit_auditentry ALTER COLUMN {column} DROP NOT NULL")
    raw(f"UPDATE audit_auditentry SET {column} = {value} WHERE seq = 3")  # noqa: S608


@pytest.mark.parametrize(
    ("engine", "column", "value", "problem"),
    [pytest.param(*case, id=f"{case[0]}-{case[1]}={case[2]}") for case in CORRUPTIONS],
)
def test_malformed_field_names_its_entry(
    entries: list[AuditEntry],
    engine: str,
    column: str,
    value: str,
    problem: ChainProblem,
    capsys: Any,
) -> None:
    if connection.vendor != engine:
        pytest.skip(f"a corruption that {engine} lets in")
    _corrupt(column, value)

    report = verify_chain()

    assert (report.broken_at, report.problem) == (3, problem)
    if problem == ChainProblem.MALFORMED:
        assert report.reason.startswith(f"malformed value: {column} = ")
    with pytest.raises(CommandError) as caught:
        call_command("audit", "verify")
    assert caught.value.returncode == 2
    assert "broken at entry #3: " in capsys.readouterr().out
