"""The statements of the tracking fast path, written once per database engine.

A tracking hit runs three or four small statements; building them through the ORM on every
hit cost more than running them (about 0.2 ms each, half of a hit's time). The SQL text
here is built once from the models' own metadata (table and column names, quoting), and
values are prepared by the model fields (`get_db_prep_save`), so types, JSON and UUIDs are
stored exactly as the ORM would store them.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from typing import TYPE_CHECKING, Any, cast

from django.db import connection
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from rempart.phishing.models import Interaction, Target

if TYPE_CHECKING:
    from django.db.models import Field

# What a hit reads of its target (the others are loaded on access, like `.only()`).
TARGET_FIELDS = frozenset(
    {
        "id",
        "establishment_id",
        "campaign_id",
        "variant_id",
        "recipient_id",
        "token",
        "state",
        "sent_at",
        "opened_at",
        "clicked_at",
        "confirmed_at",
        "submitted_at",
        "reported_at",
        "trained_at",
    }
)
INTERACTION_FIELDS = (
    "public_id",
    "created_at",
    "updated_at",
    "establishment",
    "campaign",
    "target",
    "kind",
    "at",
    "method",
    "ip_prefix",
    "user_agent",
    "signals",
    "scanner",
    "field_names",
)


def _quoted(name: object) -> str:
    return str(connection.ops.quote_name(str(name)))


def _column(model: Any, name: str) -> str:
    field = cast("Field[Any, Any]", model._meta.get_field(name))
    return _quoted(field.column)


@lru_cache(maxsize=4)
def _target_select(vendor: str) -> tuple[str, tuple[str, ...], frozenset[str]]:
    fields = [f for f in Target._meta.concrete_fields if f.attname in TARGET_FIELDS]
    columns = ", ".join(_quoted(f.column) for f in fields)
    table, token = _quoted(Target._meta.db_table), _column(Target, "token")
    sql = f"SELECT {columns} FROM {table} WHERE {token} = %s LIMIT 1"  # noqa: S608  (names from the model)
    dates = frozenset(f.attname for f in fields if f.get_internal_type() == "DateTimeField")
    return sql, tuple(f.attname for f in fields), dates


def target_by_token(token: str) -> Target | None:
    """The target of a token (one indexed read), with the fields a hit needs."""
    sql, names, dates = _target_select(connection.vendor)
    with connection.cursor() as cursor:
        cursor.execute(sql, [token])
        row = cursor.fetchone()
    if row is None:
        return None
    values = [_aware(v) if n in dates else v for n, v in zip(names, row, strict=True)]
    target: Target = Target.from_db(connection.alias, list(names), values)
    return target


def _aware(value: Any) -> dt.datetime | None:
    """A datetime as the ORM returns it (SQLite hands back text in UTC)."""
    if value is None or isinstance(value, dt.datetime):
        return value if value is None or timezone.is_aware(value) else _utc(value)
    parsed = parse_datetime(str(value))
    return None if parsed is None else _utc(parsed) if timezone.is_naive(parsed) else parsed


def _utc(value: dt.datetime) -> dt.datetime:
    return value.replace(tzinfo=dt.UTC)


@lru_cache(maxsize=4)
def _burst_select(vendor: str) -> str:
    table = _quoted(Interaction._meta.db_table)
    target, prefix, at = (_column(Interaction, name) for name in ("target", "ip_prefix", "at"))
    return (
        f"SELECT DISTINCT {target} FROM {table} "  # noqa: S608  (names from the model)
        f"WHERE {prefix} = %s AND {at} >= %s AND {target} <> %s LIMIT %s"
    )


def other_targets_from(prefix: str, since: dt.datetime, target_id: int, most: int) -> int:
    """How many other targets one network reached since `since` (counting stops at `most`)."""
    at = connection.ops.adapt_datetimefield_value(since)
    with connection.cursor() as cursor:
        cursor.execute(_burst_select(connection.vendor), [prefix, at, target_id, most])
        return len(cursor.fetchall())


@lru_cache(maxsize=4)
def _interaction_insert(vendor: str) -> tuple[str, tuple[Any, ...]]:
    fields = tuple(Interaction._meta.get_field(name) for name in INTERACTION_FIELDS)
    columns = ", ".join(_column(Interaction, name) for name in INTERACTION_FIELDS)
    marks = ", ".join(["%s"] * len(fields))
    table = _quoted(Interaction._meta.db_table)
    return f"INSERT INTO {table} ({columns}) VALUES ({marks})", fields  # noqa: S608  (model names)


def interaction_insert(**values: Any) -> None:
    """Store one interaction (`values` by field name, as for `Interaction.objects.create`)."""
    sql, fields = _interaction_insert(connection.vendor)
    params = [field.get_db_prep_save(values[field.name], connection) for field in fields]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


@lru_cache(maxsize=32)
def _first_stamp_update(vendor: str, stamp: str) -> str:
    column, pk = _column(Target, stamp), _column(Target, "id")
    return (
        f"UPDATE {_quoted(Target._meta.db_table)} SET {column} = %s "  # noqa: S608  (model names)
        f"WHERE {pk} = %s AND {column} IS NULL"
    )


def first_stamp(target_id: int, stamp: str, when: dt.datetime) -> None:
    """Set a target's first-time stamp unless already set."""
    at = connection.ops.adapt_datetimefield_value(when)
    with connection.cursor() as cursor:
        cursor.execute(_first_stamp_update(connection.vendor, stamp), [at, target_id])
