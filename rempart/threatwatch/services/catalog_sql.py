"""The SQL helpers of the catalog writers: plain statements with plain parameters.

For batches of thousands of rows the ORM's per-value work (preparing each `__in` value,
building model instances, `bulk_create`'s per-field compilation) costs more than the
database; these helpers prepare values once and run one statement per chunk.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Sequence
from typing import Any, cast

from django.db import connection
from django.db.models import Field, Model

CHUNK = 2000  # values per `IN (…)`: under SQLite's limit on parameters (32,766 since 3.32)


def rows_in(
    model: type[Model], key: str, values: Iterable[Any], columns: Sequence[str]
) -> list[tuple[Any, ...]]:
    """`SELECT columns FROM table WHERE key IN values`, chunked; raw database values (see
    `json_value`, `date_value`)."""
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    names = ", ".join(quote(c) for c in columns)
    wanted = list(dict.fromkeys(values))
    found: list[tuple[Any, ...]] = []
    with connection.cursor() as cursor:
        for start in range(0, len(wanted), CHUNK):
            chunk = wanted[start : start + CHUNK]
            marks = ", ".join(["%s"] * len(chunk))
            cursor.execute(
                f"SELECT {names} FROM {table} WHERE {quote(key)} IN ({marks})",  # noqa: S608
                chunk,
            )
            found.extend(cursor.fetchall())
    return found


def date_value(value: Any) -> dt.date:
    """A date column as read by `rows_in` (text on SQLite)."""
    return dt.date.fromisoformat(value) if isinstance(value, str) else value


def json_value(value: Any) -> Any:
    """A JSON column as read by `rows_in` (text on SQLite, text or decoded on PostgreSQL)."""
    return json.loads(value) if isinstance(value, str) else value


def insert_rows(model: type[Model], columns: list[str], rows: Sequence[Sequence[Any]]) -> None:
    """Plain INSERTs of values ready for the database, in one executemany (the ORM's
    per-field preparation costs more than the writes for large batches)."""
    if not rows:
        return
    quote = connection.ops.quote_name
    names = ", ".join(quote(c) for c in columns)
    marks = ", ".join(["%s"] * len(columns))
    sql = f"INSERT INTO {quote(model._meta.db_table)} ({names}) VALUES ({marks})"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)


def update_rows(model: type[Model], objects: Sequence[Model], names: list[str]) -> None:
    """`UPDATE … WHERE id = %s` for each object, in one executemany: Django's bulk_update
    builds CASE expressions whose cost grows with rows and fields."""
    if not objects:
        return
    fields = [cast(Field[Any, Any], model._meta.get_field(name)) for name in names]
    quote = connection.ops.quote_name
    assignments = ", ".join(f"{quote(str(f.column))} = %s" for f in fields)
    sql = f"UPDATE {quote(model._meta.db_table)} SET {assignments} WHERE id = %s"  # noqa: S608
    values = [
        [*(f.get_db_prep_save(getattr(o, f.attname), connection) for f in fields), o.pk]
        for o in objects
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, values)


def bulk_set(model: type[Model], key: str, columns: list[str], rows: list[tuple[Any, ...]]) -> None:
    """UPDATE … FROM (VALUES …): one statement per 500 rows (SQLite ≥ 3.33 and PostgreSQL)."""
    table = connection.ops.quote_name(model._meta.db_table)
    assignments = ", ".join(
        f"{connection.ops.quote_name(c)} = v.column{i + 2}" for i, c in enumerate(columns)
    )
    placeholder = "(" + ", ".join(["%s"] * (len(columns) + 1)) + ")"
    with connection.cursor() as cursor:
        for start in range(0, len(rows), 500):
            chunk = rows[start : start + 500]
            sql = (
                f"UPDATE {table} SET {assignments} FROM (VALUES "  # noqa: S608  (names only)
                f"{', '.join([placeholder] * len(chunk))}) AS v "
                f"WHERE {table}.{connection.ops.quote_name(key)} = v.column1"
            )
            cursor.execute(sql, [value for row in chunk for value in row])


def insert_models(model: type[Model], objects: Sequence[Model], names: list[str]) -> None:
    """INSERT model instances (their `names` fields, prepared as the ORM would save them) in
    one executemany; primary keys are not read back."""
    if not objects:
        return
    fields = [cast(Field[Any, Any], model._meta.get_field(name)) for name in names]
    insert_rows(
        model,
        [str(f.column) for f in fields],
        [[f.get_db_prep_save(getattr(o, f.attname), connection) for f in fields] for o in objects],
    )
