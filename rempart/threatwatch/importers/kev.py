"""CISA Known Exploited Vulnerabilities: the JSON catalog and its CSV export."""

from __future__ import annotations

import csv
import datetime as dt
import re
from collections.abc import Iterable, Iterator
from typing import Any

from rempart.threatwatch.importers.common import clip, parse_date
from rempart.threatwatch.importers.records import KevRecord, Problem, RecordError, check_cve_id

CSV_HEADER = "cveID,vendorProject,product,vulnerabilityName,dateAdded"
VERSION = re.compile(r"^(\d{4})\.(\d{1,2})\.(\d{1,2})$")  # `2026.08.21`: the catalog's date


def is_catalog(document: Any) -> bool:
    return (
        isinstance(document, dict)
        and "catalogVersion" in document
        and isinstance(document.get("vulnerabilities"), list)
    )


def is_schema(document: Any) -> bool:
    """The JSON Schema of the catalog (published next to it), not catalog data."""
    return (
        isinstance(document, dict)
        and "$schema" in document
        and "Known Exploited" in str(document.get("title", ""))
    )


def is_csv(first_line: str) -> bool:
    return first_line.lstrip("\ufeff").startswith(CSV_HEADER)


def version_date(text: Any) -> dt.date | None:
    """The date a `catalogVersion` (`2026.08.21`) stands for; None when it is not one."""
    match = VERSION.match(str(text or "").strip())
    if not match:
        return None
    try:
        return dt.date(*(int(part) for part in match.groups()))
    except ValueError:
        return None


def catalog_version(text: Any, *, today: dt.date | None = None) -> str:
    """A catalog's version, canonical (`2026.08.21`); RecordError when it is not a date or
    lies in the future (a wrong version would make every later catalog look older)."""
    day = version_date(text)
    if day is None:
        raise RecordError(
            f"catalogVersion {str(text)[:40]!r} is not a KEV catalog version "
            "(YYYY.MM.DD expected): catalog refused"
        )
    if day > (today or dt.datetime.now(tz=dt.UTC).date()) + dt.timedelta(days=1):
        raise RecordError(f"catalogVersion {text!r} is in the future: catalog refused")
    return day.strftime("%Y.%m.%d")


def record(entry: Any) -> KevRecord:
    """One catalog entry (JSON object or CSV row) → KevRecord; RecordError when invalid."""
    if not isinstance(entry, dict):
        raise RecordError("a KEV entry is not an object")
    date_added = parse_date(entry.get("dateAdded"))
    if date_added is None:
        raise RecordError("no dateAdded")
    return KevRecord(
        cve_id=check_cve_id(entry.get("cveID")),
        vendor_project=clip(entry.get("vendorProject"), 200),
        product=clip(entry.get("product"), 200),
        name=clip(entry.get("vulnerabilityName"), 500),
        date_added=date_added,
        due_date=parse_date(entry.get("dueDate")),
        ransomware=str(entry.get("knownRansomwareCampaignUse", "")).strip().lower() == "known",
        required_action=str(entry.get("requiredAction") or "").strip(),
        notes=str(entry.get("notes") or "").strip(),
    )


def _records(entries: Iterable[Any], origin: str) -> Iterator[KevRecord | Problem]:
    for index, entry in enumerate(entries):
        try:
            yield record(entry)
        except RecordError as exc:
            name = entry.get("cveID") if isinstance(entry, dict) else None
            yield Problem(origin, str(name or f"entry {index}"), str(exc))


def from_json(document: dict[str, Any], origin: str) -> Iterator[KevRecord | Problem]:
    return _records(document["vulnerabilities"], origin)


def from_csv(lines: Iterable[str], origin: str) -> Iterator[KevRecord | Problem]:
    return _records(csv.DictReader(line.lstrip("\ufeff") for line in lines), origin)
