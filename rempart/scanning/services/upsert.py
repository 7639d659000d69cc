"""Multi-row `INSERT … ON CONFLICT … DO UPDATE` statements built once from a model's metadata.

Large imports write tens of thousands of rows; `bulk_create(update_conflicts=True)` spends
most of its time preparing each value of each model instance (about 90 % of an import's time
was the ORM compiling statements). Here the statement text is built once per row count and
values are tuples converted by the field's own `get_db_prep_save` only where the database
needs it (UUIDs, JSON, datetimes). SQLite (3.35+) and PostgreSQL share the syntax.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from functools import lru_cache
from typing import Any

from django.db import connection, models

# SQLite allows 32,766 parameters a statement (3.32+); PostgreSQL 65,535.
MAX_PARAMETERS = 30000
Row = tuple[Any, ...]


class Upsert:
    """Insert rows of `model` given as tuples in `columns` order; on a conflict on `unique`,
    overwrite `update` from the new row. `returning` columns come back per row."""

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
        self.prepare = [_converter(model._meta.get_field(name)) for name in self.columns]

    def execute(self, rows: list[Row]) -> list[Row]:
        """Write the rows (several statements when they hold too many parameters)."""
        returned: list[Row] = []
        size = max(1, MAX_PARAMETERS // len(self.columns))
        with connection.cursor() as cursor:
            for start in range(0, len(rows), size):
                chunk = rows[start : start + size]
                cursor.execute(self._sql(len(chunk)), self._params(chunk))
                if self.returning:
                    returned.extend(cursor.fetchall())
        return returned

    def _params(self, rows: list[Row]) -> list[Any]:
        params: list[Any] = []
        prepare = self.prepare
        for row in rows:
            params.extend(
                value if convert is None else convert(value)
                for value, convert in zip(row, prepare, strict=True)
            )
        return params

    def _sql(self, count: int) -> str:
        return _statement(
            self.model._meta.db_table,
            tuple(self._column(n) for n in self.columns),
            tuple(self._column(n) for n in self.unique),
            tuple(self._column(n) for n in self.update),
            tuple(self._column(n) for n in self.returning),
            count,
        )

    def _column(self, name: str) -> str:
        return self.model._meta.get_field(name).column  # type: ignore[union-attr]


def _converter(field: Any) -> Callable[[Any], Any] | None:
    """The field's conversion to the database's form, or None when values pass as they are.
    A value repeated from the previous row (a batch's one timestamp) is converted once."""
    if isinstance(field, models.UUIDField):
        return None if connection.features.has_native_uuid_field else _hex
    if not isinstance(field, models.JSONField | models.DateTimeField):
        return None
    last: list[Any] = [object(), None]

    def convert(value: Any) -> Any:
        if value is not last[0]:
            last[0], last[1] = value, field.get_db_prep_save(value, connection)
        return last[1]

    return convert


def _hex(value: uuid.UUID) -> str:
    return value.hex


@lru_cache(maxsize=256)
def _statement(  # noqa: PLR0917  (cached: positional arguments are its key)
    table: str,
    columns: tuple[str, ...],
    unique: tuple[str, ...],
    update: tuple[str, ...],
    returning: tuple[str, ...],
    count: int,
) -> str:
    quote = connection.ops.quote_name
    row = "(" + ", ".join(["%s"] * len(columns)) + ")"
    # Identifiers come from the model's metadata, quoted; values are parameters.
    sql = (
        f"INSERT INTO {quote(table)} ({', '.join(quote(c) for c in columns)}) "  # noqa: S608
        f"VALUES {', '.join([row] * count)} "
        f"ON CONFLICT ({', '.join(quote(c) for c in unique)}) DO UPDATE SET "
        + ", ".join(f"{quote(c)} = excluded.{quote(c)}" for c in update)
    )
    if returning:
        sql += " RETURNING " + ", ".join(quote(c) for c in returning)
    return sql
