"""Findings and assets as CSV (streamed) or XLSX (openpyxl), for spreadsheets and tools.

CSV: UTF-8 with a byte-order mark (so that spreadsheet software shows accents), comma
separated, translated headers, ISO 8601 dates, codes for severities and statuses (stable for
tools; the REST API has English field names). XLSX: translated headers and labels, local
dates. Titles and evidence in the reader's language (the engine's message codes). Evidence
comes from scanned hosts: the files are written by `rempart.core.exports`, which defuses
spreadsheet formulas in every cell.

Rows are read with `values()` (no model instances): exports of 10,000 rows stay cheap.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from rempart.core import exports
from rempart.core.exports import CSV_TYPE, XLSX_TYPE
from rempart.scanning.check_texts import finding_title
from rempart.scanning.choices import (
    ACTIVE_STATUSES,
    AssetClass,
    Confidence,
    Criticality,
    FindingStatus,
    Severity,
)
from rempart.scanning.problems import render_evidence

__all__ = ["CSV_TYPE", "XLSX_TYPE", "csv_lines", "export_rows", "xlsx_bytes"]
Row = dict[str, Any]


@dataclass(frozen=True)
class Column:
    """One exported column: CSV key, translated header, where its value comes from (a
    `values()` path, or a function of the row and the fields it reads) and, for codes, the
    choices whose labels the XLSX shows."""

    key: str
    label: Promise
    source: str | Callable[[Row], Any]
    reads: tuple[str, ...] = ()
    choices: Any = None

    def fields(self) -> tuple[str, ...]:
        return (self.source,) if isinstance(self.source, str) else self.reads

    def value(self, row: Row) -> Any:
        return row[self.source] if isinstance(self.source, str) else self.source(row)


def _asset_label(row: Row) -> str:
    return str(row["asset__name"] or ", ".join(row["asset__hostnames"] or []))


def _title(row: Row) -> str:
    stored = row["title_fr"] if translation.get_language() == "fr" else row["title"]
    return finding_title(row["check_id"], row["title_params"], fallback=stored or row["title"])


def _evidence(row: Row) -> str:
    return render_evidence(row["evidence_messages"], row["evidence"])


def _overdue(row: Row) -> bool:
    due = row["due_at"]
    return bool(row["status"] in ACTIVE_STATUSES and due and due < timezone.now())


FINDING_COLUMNS: tuple[Column, ...] = (
    Column("address", _("Address"), "asset__address"),
    Column("asset", _("Asset"), _asset_label, ("asset__name", "asset__hostnames")),
    Column("asset_class", _("Asset class"), "asset__asset_class", choices=AssetClass),
    Column("port", _("Port"), "port"),
    Column("protocol", _("Protocol"), "protocol"),
    Column("check", _("Check"), "check_id"),
    Column("title", _("Title"), _title, ("check_id", "title_params", "title", "title_fr")),
    Column("title_en", _("Title (English)"), "title"),
    Column("severity", _("Severity"), "severity", choices=Severity),
    Column("priority", _("Priority"), "priority"),
    Column("confidence", _("Confidence"), "confidence", choices=Confidence),
    Column("status", _("Status"), "status", choices=FindingStatus),
    Column("first_seen", _("First seen"), "first_seen"),
    Column("last_seen", _("Last seen"), "last_seen"),
    Column("fixed_at", _("Fixed at"), "fixed_at"),
    Column("due_at", _("Remediation due"), "due_at"),
    Column("overdue", _("Overdue"), _overdue, ("status", "due_at")),
    Column("cves", _("CVE"), "cves"),
    Column("known_exploited", _("Known exploited (KEV)"), "known_exploited"),
    Column("epss", _("EPSS"), "epss"),
    Column("product", _("Product"), "product"),
    Column("version", _("Version"), "version"),
    Column("cpe", _("CPE"), "cpe"),
    Column("assignee", _("Assigned to"), "assignee__email"),
    Column("evidence", _("Evidence"), _evidence, ("evidence", "evidence_messages")),
)

ASSET_COLUMNS: tuple[Column, ...] = (
    Column("address", _("Address"), "address"),
    Column("name", _("Name"), "name"),
    Column("hostnames", _("Host names"), "hostnames"),
    Column("asset_class", _("Class"), "asset_class", choices=AssetClass),
    Column("criticality", _("Criticality"), "criticality", choices=Criticality),
    Column("os", _("Operating system (guessed)"), "os_guess"),
    Column("mac", _("MAC address"), "mac"),
    Column("mac_vendor", _("MAC vendor"), "mac_vendor"),
    Column("open_findings", _("Open vulnerabilities"), "open_findings"),
    Column("open_services", _("Open services"), "service_count"),
    Column("tags", _("Tags"), "tags"),
    Column("first_seen", _("First seen"), "first_seen"),
    Column("last_seen", _("Last seen"), "last_seen"),
)


def export_rows(queryset: QuerySet[Any], columns: Sequence[Column]) -> Iterator[Row]:
    """The rows of an export, read in chunks (`values()` of the fields the columns read)."""
    fields = list(dict.fromkeys(f for column in columns for f in column.fields()))
    return queryset.values(*fields).iterator(chunk_size=2000)


def csv_lines(columns: Sequence[Column], rows: Iterable[Row]) -> Iterator[str]:
    """The CSV, line by line (translated header first, with a byte-order mark)."""
    values = ([column.value(row) for column in columns] for row in rows)
    return exports.csv_lines([str(column.label) for column in columns], values)


def _labels(columns: Sequence[Column]) -> list[Mapping[str, str] | None]:
    """Per column, {code: translated label} for coded columns (computed once per export)."""
    return [
        {value: str(label) for value, label in column.choices.choices} if column.choices else None
        for column in columns
    ]


def xlsx_bytes(title: str, columns: Sequence[Column], rows: Iterable[Row]) -> bytes:
    """A one-sheet workbook: translated header, one row per object, labels for codes."""
    labels = _labels(columns)
    values = (
        [
            names.get(value, value) if names else value
            for value, names in zip([column.value(row) for column in columns], labels, strict=True)
        ]
        for row in rows
    )
    return exports.xlsx_bytes(title, [str(column.label) for column in columns], values)
