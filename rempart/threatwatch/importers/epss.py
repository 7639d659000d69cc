"""FIRST EPSS scores: the daily CSV, the FIRST API JSON answers and EMBA's per-year files.

* daily CSV (gzip): `#model_version:v2025.03.14,score_date:2026-08-16T00:00:00+0000`, then
  `cve,epss,percentile`, then one row per CVE;
* API (`/data/v1/epss?cve=…`): `{"status": "OK", "data": [{cve, epss, percentile, date}]}`;
* EMBA (`EPSS_CVE_data/CVE_<year>_EPSS.csv`): `CVE-ID;epss;percentile`, no header and no
  date: the score date is the file's modification date (EMBA writes the files the day it
  fetches the scores).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Iterator
from typing import Any

from rempart.threatwatch.importers.common import parse_date
from rempart.threatwatch.importers.records import EpssRecord, Problem, RecordError, check_cve_id

SCORE_DATE = re.compile(r"score_date:(\d{4}-\d{2}-\d{2})")
EMBA_LINE = re.compile(r"^CVE-\d{4}-\d+;[\d.eE-]+;[\d.eE-]+\s*$")


def is_csv(first_line: str) -> bool:
    line = first_line.lstrip("\ufeff").strip()
    return line.startswith("#model_version") or line.replace(" ", "") == "cve,epss,percentile"


def is_emba(first_line: str) -> bool:
    return bool(EMBA_LINE.match(first_line.strip()))


def is_api(document: Any) -> bool:
    data = document.get("data") if isinstance(document, dict) else None
    return (
        isinstance(data, list)
        and "status" in document
        and all(isinstance(d, dict) and "epss" in d for d in data[:5])
    )


def _score(value: Any, what: str) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError) as exc:
        raise RecordError(f"invalid {what} {value!r}") from exc
    if not 0.0 <= number <= 1.0:
        raise RecordError(f"{what} {number} is outside 0-1")
    return number


def record(cve: Any, epss: Any, percentile: Any, score_date: dt.date | None) -> EpssRecord:
    if score_date is None:
        raise RecordError("no score date")
    return EpssRecord(
        check_cve_id(cve), _score(epss, "EPSS"), _score(percentile, "percentile"), score_date
    )


def from_csv(lines: Iterable[str], origin: str) -> Iterator[EpssRecord | Problem]:
    """Rows of the daily CSV; the score date comes from its comment line."""
    score_date: dt.date | None = None
    for number, line in enumerate(lines, start=1):
        text = line.lstrip("\ufeff").strip()
        if text.startswith("#"):
            found = SCORE_DATE.search(text)
            score_date = dt.date.fromisoformat(found.group(1)) if found else None
            continue
        if not text or text.startswith("cve,"):
            continue
        yield _row(text.split(","), score_date, origin, number)


def from_emba(lines: Iterable[str], origin: str, mtime: float) -> Iterator[EpssRecord | Problem]:
    score_date = dt.datetime.fromtimestamp(mtime, tz=dt.UTC).date()
    for number, line in enumerate(lines, start=1):
        text = line.strip()
        if text:
            yield _row(text.split(";"), score_date, origin, number)


def _row(
    cells: list[str], score_date: dt.date | None, origin: str, number: int
) -> EpssRecord | Problem:
    try:
        if len(cells) != 3:  # noqa: PLR2004
            raise RecordError(f"{len(cells)} columns instead of 3")
        return record(cells[0], cells[1], cells[2], score_date)
    except RecordError as exc:
        return Problem(origin, cells[0] if cells else f"line {number}", f"line {number}: {exc}")


def from_api(document: dict[str, Any], origin: str) -> Iterator[EpssRecord | Problem]:
    if str(document.get("status", "OK")).upper() != "OK":
        yield Problem(origin, "", f"API status {document.get('status')!r}")
        return
    for entry in document["data"]:
        try:
            yield record(
                entry.get("cve"),
                entry.get("epss"),
                entry.get("percentile"),
                parse_date(entry.get("date")),
            )
        except RecordError as exc:
            yield Problem(origin, str(entry.get("cve") or ""), str(exc))
