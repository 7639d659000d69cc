"""Findings and assets as CSV (streamed) or XLSX (openpyxl), for spreadsheets and tools.

CSV: UTF-8 with a byte-order mark (so that spreadsheet software shows accents), comma
separated, stable English column keys, ISO 8601 dates, codes for severities and statuses.
XLSX: translated headers and labels, local dates. Evidence comes from scanned hosts, so
cells are defended against spreadsheet formula injection: a CSV cell starting with `=`, `+`,
`-`, `@`, tab or carriage return is prefixed with `'`; XLSX cells are always typed as text,
never formulas, and characters that XLSX forbids are removed.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from openpyxl import Workbook  # type: ignore[import-untyped]
from openpyxl.cell import WriteOnlyCell  # type: ignore[import-untyped]
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE  # type: ignore[import-untyped]
from openpyxl.styles import Font  # type: ignore[import-untyped]

from rempart.scanning.choices import ACTIVE_STATUSES

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_TYPE = "text/csv; charset=utf-8"


@dataclass(frozen=True)
class Column:
    """One exported column: CSV key, translated header, raw value and display value."""

    key: str
    label: Promise
    value: Callable[[Any], Any]
    display: Callable[[Any], Any] | None = None

    def human(self, obj: Any) -> Any:
        return (self.display or self.value)(obj)


def _overdue(finding: Any) -> bool:
    return bool(
        finding.status in ACTIVE_STATUSES and finding.due_at and finding.due_at < timezone.now()
    )


FINDING_COLUMNS: tuple[Column, ...] = (
    Column("address", _("Address"), lambda f: f.asset.address),
    Column("asset", _("Asset"), lambda f: f.asset.name or ", ".join(f.asset.hostnames or [])),
    Column(
        "asset_class",
        _("Asset class"),
        lambda f: f.asset.asset_class,
        lambda f: f.asset.get_asset_class_display(),
    ),
    Column("port", _("Port"), lambda f: f.port),
    Column("protocol", _("Protocol"), lambda f: f.protocol),
    Column("check", _("Check"), lambda f: f.check_id),
    Column("title", _("Title"), lambda f: f.title),
    Column("title_fr", _("Title (French)"), lambda f: f.title_fr),
    Column("severity", _("Severity"), lambda f: f.severity, lambda f: f.get_severity_display()),
    Column(
        "confidence", _("Confidence"), lambda f: f.confidence, lambda f: f.get_confidence_display()
    ),
    Column("status", _("Status"), lambda f: f.status, lambda f: f.get_status_display()),
    Column("first_seen", _("First seen"), lambda f: f.first_seen),
    Column("last_seen", _("Last seen"), lambda f: f.last_seen),
    Column("fixed_at", _("Fixed at"), lambda f: f.fixed_at),
    Column("due_at", _("Remediation due"), lambda f: f.due_at),
    Column("overdue", _("Overdue"), _overdue),
    Column("cves", _("CVE"), lambda f: list(f.cves or [])),
    Column("known_exploited", _("Known exploited (KEV)"), lambda f: f.known_exploited),
    Column("epss", _("EPSS"), lambda f: f.epss),
    Column("product", _("Product"), lambda f: f.product),
    Column("version", _("Version"), lambda f: f.version),
    Column("cpe", _("CPE"), lambda f: f.cpe),
    Column("assignee", _("Assigned to"), lambda f: f.assignee.email if f.assignee else ""),
    Column("evidence", _("Evidence"), lambda f: f.evidence),
)

ASSET_COLUMNS: tuple[Column, ...] = (
    Column("address", _("Address"), lambda a: a.address),
    Column("name", _("Name"), lambda a: a.name),
    Column("hostnames", _("Host names"), lambda a: list(a.hostnames or [])),
    Column(
        "asset_class", _("Class"), lambda a: a.asset_class, lambda a: a.get_asset_class_display()
    ),
    Column(
        "criticality",
        _("Criticality"),
        lambda a: a.criticality,
        lambda a: a.get_criticality_display(),
    ),
    Column("os", _("Operating system (guessed)"), lambda a: a.os_guess),
    Column("mac", _("MAC address"), lambda a: a.mac),
    Column("mac_vendor", _("MAC vendor"), lambda a: a.mac_vendor),
    Column("open_findings", _("Open vulnerabilities"), lambda a: getattr(a, "open_findings", "")),
    Column("open_services", _("Open services"), lambda a: getattr(a, "service_count", "")),
    Column("tags", _("Tags"), lambda a: list(a.tags or [])),
    Column("first_seen", _("First seen"), lambda a: a.first_seen),
    Column("last_seen", _("Last seen"), lambda a: a.last_seen),
)


def clean_text(value: str) -> str:
    """Remove the control characters that XLSX (and most tools) reject."""
    cleaned: str = ILLEGAL_CHARACTERS_RE.sub("", value)
    return cleaned


def csv_value(value: Any) -> str:
    """A cell of the CSV: ISO dates, `true`/`false`, lists joined by `; `, formulas defused."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).isoformat(timespec="seconds")
    if isinstance(value, list | tuple):
        value = "; ".join(str(item) for item in value)
    text = clean_text(str(value))
    return "'" + text if text.startswith(FORMULA_STARTS) else text


class _Echo:
    """A file-like object whose `write` returns the line (for streaming with csv.writer)."""

    def write(self, value: str) -> str:
        return value


def csv_lines(columns: Sequence[Column], objects: Iterable[Any]) -> Iterator[str]:
    """The CSV, line by line (header first, with a byte-order mark)."""
    writer = csv.writer(_Echo())
    yield "\ufeff" + writer.writerow([column.key for column in columns])
    for obj in objects:
        yield writer.writerow([csv_value(column.value(obj)) for column in columns])


def _xlsx_cell(sheet: Any, value: Any, *, bold: bool = False) -> WriteOnlyCell:
    if isinstance(value, dt.datetime):
        value = timezone.localtime(value).replace(tzinfo=None)
    elif isinstance(value, list | tuple):
        value = "; ".join(str(item) for item in value)
    elif isinstance(value, Promise):
        value = str(value)
    if isinstance(value, str):
        value = clean_text(value)
    cell = WriteOnlyCell(sheet, value=value)
    if isinstance(value, str):
        cell.data_type = "s"  # never a formula, whatever the text starts with
    if bold:
        cell.font = Font(bold=True)
    elif isinstance(value, dt.datetime):
        cell.number_format = "yyyy-mm-dd hh:mm"
    return cell


def xlsx_bytes(title: str, columns: Sequence[Column], objects: Iterable[Any]) -> bytes:
    """A one-sheet workbook: translated header, one row per object."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=clean_text(title)[:31])
    sheet.append([_xlsx_cell(sheet, column.label, bold=True) for column in columns])
    for obj in objects:
        sheet.append([_xlsx_cell(sheet, column.human(obj)) for column in columns])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
