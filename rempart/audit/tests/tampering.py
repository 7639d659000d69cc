"""What an attacker with direct database access does to the audit log, for the tests."""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.db import connection


def raw(sql: str, params: list[Any] | None = None) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params or [])


def drop_triggers() -> None:
    """Remove the database's protection of the entries and of the head (in the test's
    transaction: rolled back at its end)."""
    for module in ("0003_chain_head_triggers", "0002_append_only_triggers"):
        triggers = importlib.import_module(f"rempart.audit.migrations.{module}")
        sqlite = connection.vendor == "sqlite"
        for statement in triggers.SQLITE_REVERSE if sqlite else triggers.POSTGRES_REVERSE:
            raw(statement)


def create_triggers() -> None:
    for module in ("0002_append_only_triggers", "0003_chain_head_triggers"):
        triggers = importlib.import_module(f"rempart.audit.migrations.{module}")
        sqlite = connection.vendor == "sqlite"
        for statement in triggers.SQLITE if sqlite else triggers.POSTGRES:
            raw(statement)


@contextmanager
def triggers_dropped() -> Iterator[None]:
    """For tests that commit: the protection is put back afterwards."""
    drop_triggers()
    try:
        yield
    finally:
        create_triggers()
