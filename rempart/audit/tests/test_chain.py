"""The audit log is append-only and tamper-evident: any edited, removed or truncated entry
is detected, and `rempart audit verify` names the first broken link."""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, transaction

from rempart.audit.chain import verify_chain
from rempart.audit.models import GENESIS_HASH, AuditEntry
from rempart.audit.services import audit_record
from rempart.audit.tests.tampering import drop_triggers as _drop_triggers
from rempart.audit.tests.tampering import raw as _raw

pytestmark = pytest.mark.django_db


def test_entries_are_chained(entries: list[AuditEntry]) -> None:
    assert entries[0].seq == 1
    assert entries[0].prev_hash == GENESIS_HASH
    for previous, entry in itertools.pairwise(entries):
        assert entry.prev_hash == previous.hash
        assert entry.seq == previous.seq + 1
    report = verify_chain()
    assert report.ok
    assert report.checked == 5


def test_database_refuses_update_and_delete(entries: list[AuditEntry]) -> None:
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEntry.objects.filter(pk=entries[1].pk).update(verb="tampered")
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEntry.objects.filter(pk=entries[1].pk).delete()
    assert AuditEntry.objects.get(pk=entries[1].pk).verb == "test.event.1"


def test_edited_entry_is_detected(entries: list[AuditEntry]) -> None:
    _drop_triggers()
    _raw("UPDATE audit_auditentry SET object_repr = %s WHERE seq = %s", ["innocent", 3])
    report = verify_chain()
    assert not report.ok
    assert report.broken_at == 3
    assert "content" in report.reason


def test_edited_entry_with_recomputed_hash_breaks_the_next_link(entries: list[AuditEntry]) -> None:
    _drop_triggers()
    from rempart.audit.chain import entry_hash

    forged = AuditEntry.objects.get(seq=2)
    forged.changes = {"n": 99}
    forged_hash = entry_hash(forged.prev_hash, forged.__dict__)
    _raw(
        "UPDATE audit_auditentry SET changes = %s, hash = %s WHERE seq = 2",
        ['{"n": 99}', forged_hash],
    )
    report = verify_chain()
    assert report.broken_at == 3
    assert "link" in report.reason


def test_removed_entry_is_detected(entries: list[AuditEntry]) -> None:
    _drop_triggers()
    _raw("DELETE FROM audit_auditentry WHERE seq = %s", [4])
    report = verify_chain()
    assert report.broken_at == 4
    assert "missing" in report.reason


def test_truncated_tail_is_detected(entries: list[AuditEntry]) -> None:
    _drop_triggers()
    _raw("DELETE FROM audit_auditentry WHERE seq = %s", [5])
    report = verify_chain()
    assert report.broken_at == 5
    assert "removed" in report.reason


def test_cli_reports_the_first_broken_link(entries: list[AuditEntry], capsys: Any) -> None:
    call_command("audit", "verify")
    assert "intact: 5 entries" in capsys.readouterr().out
    _drop_triggers()
    _raw("UPDATE audit_auditentry SET actor_label = %s WHERE seq = %s", ["mallory", 2])
    with pytest.raises(CommandError) as caught:
        call_command("audit", "verify")
    assert caught.value.returncode == 2
    assert "broken at entry #2" in capsys.readouterr().out


def test_audit_record_defaults(personas: dict[str, Any], establishment_a: Any) -> None:
    entry = audit_record(actor=None, verb="system.tick")
    assert entry.actor_label == "system"
    assert entry.establishment_id is None
    site_entry = audit_record(
        actor=personas["alice"], verb="x", target=establishment_a, ip_address="not-an-ip"
    )
    assert site_entry.establishment_id == establishment_a.pk
    assert site_entry.ip_address is None
