"""Empty the append-only audit log between transactional tests (never used by the platform)."""

from __future__ import annotations

import importlib

from django.db import connection, transaction

triggers = importlib.import_module("rempart.audit.migrations.0002_append_only_triggers")


def empty_audit_log() -> None:
    vendor = connection.vendor
    drop = {"sqlite": triggers.SQLITE_REVERSE, "postgresql": triggers.POSTGRES_REVERSE}[vendor]
    create = {"sqlite": triggers.SQLITE, "postgresql": triggers.POSTGRES}[vendor]
    with transaction.atomic(), connection.cursor() as cursor:
        for statement in drop:
            cursor.execute(statement)
        cursor.execute("DELETE FROM audit_auditentry")
        cursor.execute("DELETE FROM audit_auditchainhead")
        for statement in create:
            cursor.execute(statement)
