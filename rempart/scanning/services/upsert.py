"""Multi-row `INSERT … ON CONFLICT … DO UPDATE` statements built once from a model's metadata.

Large imports write tens of thousands of rows; `bulk_create(update_conflicts=True)` spends
most of its time preparing each value of each model instance (about 90 % of an import's time
was the ORM compiling statements). Here the statement text is built once per row count and
values are tuples already in the database's form. SQLite (3.35+) and PostgreSQL share the
upsert syntax; PostgreSQL takes the rows as one array a column.
"""

from __future__ import annotations

import datetime as dt
import os
import uuid
from collections.abc import Sequence
from functools import lru_cache
from itertools import chain
from typing import Any

from django.db import connection, models

# SQLite allows 32,766 parameters a statement (3.32+); PostgreSQL 65,535.
MAX_PARAMETERS = 30000
PG_ROWS = 5000  # rows a PostgreSQL statement (one array a column)
Row = tuple[Any, ...]


class Upsert:
    """Insert rows of `model` given as tuples in `columns` order; on a conflict on `unique`,
    overwrite `update` from the new row. `returning` columns come back per row.

    Values must be in the database's form already (`db_datetime`, `new_public_id`), except
    JSON values, converted here.
    """

    def __init__(
        self,
        model: type[models.Model],
        columns: Sequence[str],
        *,
        unique: Sequence[str],
        update: Sequence[str],
        returning: Sequence[str] = (),
    ) -> None:
        self.model, self.columns = model, list(columns)
        self.unique, self.update, self.returning = list(unique), list(update), list(returning)
        fields = [model._meta.get_field(name) for name in self.columns]
        self.json = [i for i, f in enumerate(fields) if isinstance(f, models.JSONField)]
        self.json_field: Any = fields[self.json[0]] if self.json else None

    def execute(self, rows: list[Row]) -> list[Row]:
        """Write the rows (several statements when they hold too many parameters)."""
        if connection.vendor == "postgresql":
            return self._arrays(rows)
        returned: list[Row] = []
        size = max(1, MAX_PARAMETERS // len(self.columns))
        with connection.cursor() as cursor:
            for start in range(0, len(rows), size):
                chunk = [self._json(row) for row in rows[start : start + size]]
                values = "VALUES " + ", ".join([self._row()] * len(chunk))
                cursor.execute(self._sql(values), list(chain.from_iterable(chunk)))
                if self.returning:
                    returned.extend(cursor.fetchall())
        return returned

    def _arrays(self, rows: list[Row]) -> list[Row]:
        """PostgreSQL: one array a column (`unnest`), bound by the server. A statement of
        thousands of placeholders, bound by Django's client-side cursor, cost the driver
        more than the database took to run it."""
        import psycopg  # noqa: PLC0415  (PostgreSQL only)

        connection.ensure_connection()
        returned: list[Row] = []
        with psycopg.Cursor(connection.connection) as cursor:
            for start in range(0, len(rows), PG_ROWS):
                chunk = [self._json(row) for row in rows[start : start + PG_ROWS]]
                columns = [list(c) for c in zip(*chunk, strict=True)]
                cursor.execute(self._sql(self._unnest()), columns)
                if self.returning:
                    returned.extend(cursor.fetchall())
        return returned

    def _row(self) -> str:
        return "(" + ", ".join(["%s"] * len(self.columns)) + ")"

    def _unnest(self) -> str:
        fields = [self.model._meta.get_field(name) for name in self.columns]
        types = [f.db_type(connection) for f in fields]
        arrays = ", ".join(f"%b::{t}[]" for t in types)  # %b: bound in binary
        return f"SELECT * FROM unnest({arrays})"  # noqa: S608  (types from the model)

    def _json(self, row: Row) -> Row:
        if not self.json:
            return row
        values = list(row)
        for index in self.json:
            values[index] = self.json_field.get_db_prep_save(values[index], connection)
        return tuple(values)

    def _sql(self, values: str) -> str:
        return _statement(
            self.model._meta.db_table,
            tuple(self._column(n) for n in self.columns),
            tuple(self._column(n) for n in self.unique),
            tuple(self._column(n) for n in self.update),
            tuple(self._column(n) for n in self.returning),
            values,
        )

    def _column(self, name: str) -> str:
        return str(self.model._meta.get_field(name).column)  # type: ignore[union-attr]


def db_datetime(value: dt.datetime) -> Any:
    """A datetime as the database takes it (SQLite: text; PostgreSQL: as it is)."""
    return models.DateTimeField().get_db_prep_save(value, connection)


def new_public_id() -> Any:
    """A new random (version 4) UUID as the database takes it (SQLite: 32 hex digits), made
    from 16 random bytes as `uuid.uuid4()` does, without its object when not needed."""
    value = int.from_bytes(os.urandom(16), "big")
    value = (value & ~(0xF000 << 64) | (4 << 76)) & ~(0xC000 << 48) | (0x8000 << 48)
    if connection.features.has_native_uuid_field:
        return uuid.UUID(int=value)
    return f"{value:032x}"


@lru_cache(maxsize=256)
def _statement(  # noqa: PLR0917  (cached: positional arguments are its key)
    table: str,
    columns: tuple[str, ...],
    unique: tuple[str, ...],
    update: tuple[str, ...],
    returning: tuple[str, ...],
    values: str,
) -> str:
    quote = connection.ops.quote_name
    # Identifiers and types come from the model's metadata; values are parameters.
    sql = (
        f"INSERT INTO {quote(table)} ({', '.join(quote(c) for c in columns)}) "
        f"{values} "
        f"ON CONFLICT ({', '.join(quote(c) for c in unique)}) DO UPDATE SET "
        + ", ".join(f"{quote(c)} = excluded.{quote(c)}" for c in update)
    )
    if returning:
        sql += " RETURNING " + ", ".join(quote(c) for c in returning)
    return sql
