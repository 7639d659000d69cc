"""Spreadsheet files (CSV, XLSX) that are safe to open: every CSV or XLSX the platform writes
goes through this module.

Exported values come from people and scanned hosts (a recipient group's name, a service
banner, an audit entry's object): a spreadsheet would run one that starts like a formula
(`=HYPERLINK(...)`, `+cmd|...`, `@SUM(...)`). As OWASP's CSV injection advice says, a text cell
that starts with `=`, `+`, `-`, `@`, tab or carriage return (or line feed, or one of the first
four after spaces) is defused: in CSV it is prefixed with `'`; in XLSX it is typed as text with
the "quote prefix" style, so that editing the cell does not turn it into a formula either.
Characters that XLSX forbids are removed. Numbers, dates and booleans are never formulas.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable, Iterator, Sequence
from decimal import Decimal
from typing import Any

from django.utils import timezone
from openpyxl import Workbook  # type: ignore[import-untyped]
from openpyxl.cell import WriteOnlyCell  # type: ignore[import-untyped]
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell  # type: ignore[import-untyped]
from openpyxl.styles import Font  # type: ignore[import-untyped]

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n")
FORMULA_SIGNS = ("=", "+", "-", "@")
CSV_TYPE = "text/csv; charset=utf-8"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SHEET_TITLE_MAX = 31


def clean_text(value: str) -> str:
    """Remove the control characters that XLSX (and most tools) reject."""
    cleaned: str = ILLEGAL_CHARACTERS_RE.sub("", value)
    return cleaned


def looks_like_formula(text: str) -> bool:
    """Would a spreadsheet read this text as a formula?"""
    return text.startswith(FORMULA_STARTS) or text.lstrip(" ").startswith(FORMULA_SIGNS)


def defuse(text: str) -> str:
    """The text, prefixed with `'` if a spreadsheet would read it as a formula."""
    return "'" + text if looks_like_formula(text) else text


def _joined(value: list[Any] | tuple[Any, ...]) -> str:
    return "; ".join(str(item) for item in value)


def csv_cell(value: Any, tz: dt.tzinfo | None = None) -> str:
    """A CSV cell: ISO dates, `true`/`false`, lists joined by `; `, formulas defused."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float | Decimal):
        return str(value)  # a number is never a formula
    if isinstance(value, dt.datetime):
        return value.astimezone(tz or timezone.get_current_timezone()).isoformat("T", "seconds")
    if isinstance(value, list | tuple):
        value = _joined(value)
    return defuse(clean_text(str(value)))


class _Echo:
    """A file-like object whose `write` returns the line (for streaming with csv.writer)."""

    def write(self, value: str) -> str:
        return value


def csv_lines(
    header: Sequence[str], rows: Iterable[Sequence[Any]], *, byte_order_mark: bool = True
) -> Iterator[str]:
    """A CSV file line by line (for a streaming response): the header, then every row, each
    cell through `csv_cell`. The byte-order mark lets spreadsheets show accents."""
    writer = csv.writer(_Echo())
    tz = timezone.get_current_timezone()
    first = writer.writerow([csv_cell(name) for name in header])
    yield ("\ufeff" + first) if byte_order_mark else first
    for row in rows:
        yield writer.writerow([csv_cell(value, tz) for value in row])


def xlsx_cell(sheet: Any, value: Any, tz: dt.tzinfo | None = None) -> Any:
    """A cell value as openpyxl wants it: local naive dates, joined lists, clean text; text
    that a spreadsheet would read as a formula becomes an explicit, quote-prefixed text cell."""
    if isinstance(value, dt.datetime):
        return value.astimezone(tz or timezone.get_current_timezone()).replace(tzinfo=None)
    if isinstance(value, list | tuple):
        value = _joined(value)
    if not isinstance(value, str):
        return value
    value = clean_text(value)
    if not looks_like_formula(value):
        return value
    cell = WriteOnlyCell(sheet, value=value)
    cell.data_type = "s"  # never a formula
    cell.quotePrefix = True  # nor once edited
    return cell


def _header(sheet: Any, header: Sequence[str]) -> list[Any]:
    cells = []
    for name in header:
        cell = xlsx_cell(sheet, str(name))
        if not isinstance(cell, Cell):
            cell = WriteOnlyCell(sheet, value=cell)
        cell.font = Font(bold=True)
        cells.append(cell)
    return cells


def xlsx_bytes(title: str, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    """A one-sheet workbook: a bold header, then every row, each cell through `xlsx_cell`."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=clean_text(title)[:SHEET_TITLE_MAX])
    sheet.append(_header(sheet, header))
    tz = timezone.get_current_timezone()
    for row in rows:
        sheet.append([xlsx_cell(sheet, value, tz) for value in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
