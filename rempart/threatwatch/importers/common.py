"""Helpers shared by the parsers: dates, English texts, CWE, references, CVSS scores."""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Iterable
from typing import Any

from cvss import CVSS2, CVSS3, CVSS4  # type: ignore[import-untyped]  # no type information
from cvss.exceptions import CVSSError  # type: ignore[import-untyped]

from rempart.threatwatch.importers.records import RecordError

CWE = re.compile(r"^CWE-\d+$")
MAX_REFERENCES = 300


def parse_datetime(value: Any) -> dt.datetime | None:
    """ISO 8601 date or date-time (`Z`, offset or none: UTC assumed); None when empty."""
    if value in (None, ""):
        return None
    text = str(value).strip()
    try:
        moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as exc:
        raise RecordError(f"invalid date {text!r}") from exc
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def parse_date(value: Any) -> dt.date | None:
    """`YYYY-MM-DD` (or a date-time, its date part); None when empty."""
    if value in (None, ""):
        return None
    text = str(value).strip()[:10]
    try:
        return dt.date.fromisoformat(text)
    except ValueError as exc:
        raise RecordError(f"invalid date {value!r}") from exc


def english(entries: Any) -> str:
    """The English value of a `[{lang, value}]` list (first entry when none is English)."""
    if not isinstance(entries, list) or not entries:
        return ""
    for entry in entries:
        if isinstance(entry, dict) and str(entry.get("lang", "")).lower().startswith("en"):
            return str(entry.get("value") or "").strip()
    first = entries[0]
    return str(first.get("value") or "").strip() if isinstance(first, dict) else ""


def cwe_ids(values: Iterable[Any]) -> list[str]:
    """Unique `CWE-n` identifiers, in order (NVD's `NVD-CWE-Other`/`noinfo` dropped)."""
    found: list[str] = []
    for value in values:
        text = str(value or "").strip().split(" ", 1)[0].upper()
        if CWE.match(text) and text not in found:
            found.append(text)
    return found


def references(entries: Iterable[Any]) -> list[dict[str, Any]]:
    """`[{url, tags}]`, one per URL, CVE-program bookkeeping tags (`x_transferred`) dropped."""
    seen: dict[str, dict[str, Any]] = {}
    for entry in entries:
        url = str(entry.get("url") or "").strip() if isinstance(entry, dict) else str(entry)
        if not url or url in seen or len(seen) >= MAX_REFERENCES:
            continue
        tags = entry.get("tags") if isinstance(entry, dict) else None
        seen[url] = {"url": url, "tags": [t for t in tags or [] if t != "x_transferred"]}
    return list(seen.values())


def clip(value: Any, length: int) -> str:
    return str(value or "").strip()[:length]


@functools.lru_cache(maxsize=16384)
def cvss_score(version: str, vector: str) -> float:
    """Base score recomputed from the vector (`cvss` package); RecordError when invalid."""
    try:
        if version == "4":
            return float(CVSS4(vector).base_score)
        if version == "3":
            return float(CVSS3(vector).base_score)
        return float(CVSS2(vector).base_score)
    except (CVSSError, ValueError, KeyError, IndexError) as exc:
        raise RecordError(f"invalid CVSS v{version} vector {vector!r}: {exc}") from exc


def cvss_major(version_text: str, vector: str) -> str:
    """ "2", "3" or "4" from a metric's `version` field or the vector prefix."""
    text = str(version_text or "")
    if text.startswith("4") or vector.startswith("CVSS:4"):
        return "4"
    if text.startswith("3") or vector.startswith("CVSS:3"):
        return "3"
    return "2"


def add_cvss(
    found: dict[str, tuple[str, float]], vector: Any, version_text: Any, warnings: list[str]
) -> None:
    """Record a metric's vector and recomputed score unless that CVSS version is known."""
    text = str(vector or "").strip()
    if not text:
        return
    major = cvss_major(str(version_text or ""), text)
    if major in found:
        return
    try:
        found[major] = (text, cvss_score(major, text))
    except RecordError as exc:
        warnings.append(str(exc))
