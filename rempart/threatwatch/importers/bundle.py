"""Rempart catalog bundle: the whole catalog in one tar.gz, for air-gapped centres and probes.

The archive holds one member, `catalog.jsonl` (JSON Lines, UTF-8): a header line
`{"format": "rempart-intel-bundle", "version": 1, "created": …}`, then one line per object
— `{"type": "kev", …}`, `{"type": "epss", …}`, `{"type": "cve", …, "sources": …, "rules":
[…]}`, `{"type": "advisory", …}` — and a last line `{"type": "end", "counts": {…}}` whose
absence reveals a truncated bundle. `rempart intel import` reads it back (see docs/intel.md).
"""

from __future__ import annotations

import datetime as dt
import json
import tarfile
import tempfile
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

from django.db.models import Model
from django.utils import timezone

from rempart.threatwatch.importers.common import parse_date, parse_datetime
from rempart.threatwatch.importers.records import (
    AdvisoryRecord,
    CveCandidate,
    CveRecord,
    EpssRecord,
    KevRecord,
    Problem,
    RecordError,
    RuleRecord,
    check_cve_id,
    sources_hash,
)
from rempart.threatwatch.models import Advisory, Cve, EpssScore, KevEntry, SourceStatus

FORMAT = "rempart-intel-bundle"
VERSION = 1
MEMBER = "catalog.jsonl"
RULE_FIELDS = [f for f in RuleRecord.__dataclass_fields__ if f != "running_on"]
CVE_FIELDS = [
    "state",
    "title",
    "description",
    "published",
    "last_modified",
    "assigner",
    "cwes",
    "references",
    "cvss2_vector",
    "cvss2_score",
    "cvss3_vector",
    "cvss3_score",
    "cvss4_vector",
    "cvss4_score",
    "cvss_score",
    "known_exploited",
    "epss",
    "epss_percentile",
]
KEV_FIELDS = [
    "cve_id",
    "vendor_project",
    "product",
    "name",
    "date_added",
    "due_date",
    "ransomware",
    "required_action",
    "notes",
]
ADVISORY_FIELDS = [
    "reference",
    "kind",
    "title",
    "summary",
    "published",
    "last_revision",
    "closed_at",
    "affected_systems",
    "risks",
    "url",
    "cve_ids",
    "content_hash",
]
Item = tuple[str, Any] | Problem


# --- Export -----------------------------------------------------------------------------------


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, dt.date | dt.datetime) else value


def _lines(progress: Callable[[int], None]) -> Iterator[dict[str, Any]]:
    counts = {"kev": 0, "epss": 0, "cve": 0, "advisory": 0}
    kev_version = SourceStatus.objects.filter(source="kev").values_list("cursor", flat=True)
    yield {
        "format": FORMAT,
        "version": VERSION,
        "created": timezone.now().isoformat(),
        "kev_version": kev_version.first() or "",
    }
    for kind, rows in (
        ("kev", _rows(KevEntry, KEV_FIELDS)),
        ("epss", _rows(EpssScore, ["cve_id", "epss", "percentile", "score_date"])),
        ("cve", _cve_rows()),
        ("advisory", _rows(Advisory, ADVISORY_FIELDS)),
    ):
        for row in rows:
            counts[kind] += 1
            progress(1)
            yield {"type": kind, **row}
    yield {"type": "end", "counts": counts}


def _rows(model: type[Model], fields: list[str]) -> Iterator[dict[str, Any]]:
    for values in model._default_manager.order_by("pk").values_list(*fields).iterator(5000):
        yield {name: _plain(value) for name, value in zip(fields, values, strict=True)}


def _cve_rows() -> Iterator[dict[str, Any]]:
    queryset = Cve.objects.order_by("pk").prefetch_related("matches")
    for cve in queryset.iterator(chunk_size=2000):
        row = {"cve_id": cve.cve_id, **{f: _plain(getattr(cve, f)) for f in CVE_FIELDS}}
        row["sources"] = cve.sources
        row["rules"] = [
            {**{f: getattr(rule, f) for f in RULE_FIELDS}, "running_on": rule.running_on}
            for rule in cve.matches.all()
        ]
        yield row


def export_bundle(path: Path, *, progress: Callable[[int], None]) -> dict[str, int]:
    """Write the catalog to `path` (tar.gz); returns the counts per type."""
    counts: dict[str, int] = {}
    with tempfile.TemporaryDirectory(dir=path.parent) as tmp:
        jsonl = Path(tmp) / MEMBER
        with jsonl.open("w", encoding="utf-8") as out:
            for line in _lines(progress):
                out.write(json.dumps(line, ensure_ascii=False, separators=(",", ":")) + "\n")
                counts = line.get("counts", counts)
        partial = path.with_name(path.name + ".part")
        with tarfile.open(partial, "w:gz") as archive:
            archive.add(jsonl, arcname=MEMBER)
        partial.replace(path)
    return counts


# --- Import -----------------------------------------------------------------------------------


def read(lines: Iterable[str], origin: str) -> Iterator[Item]:
    """(kind, record) pairs — kind `header` (first), `cve`, `kev`, `epss` or `advisory` —
    and problems."""
    ended = False
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        where = f"{origin}:{number}"
        try:
            data = json.loads(line)
            if number == 1:
                _check_header(data)
                yield "header", data
                continue
            if data.get("type") == "end":
                ended = True
                continue
            yield data["type"], PARSERS[data["type"]](data, where)
        except (RecordError, ValueError, KeyError, TypeError) as exc:
            if number == 1:
                yield Problem(origin, "", f"bundle header: {exc}")
                return
            yield Problem(where, str(_name(line)), f"{type(exc).__name__}: {exc}")
    if not ended:
        yield Problem(origin, "", "truncated bundle: no end line (records read so far are kept)")


def _check_header(data: Any) -> None:
    if data.get("format") != FORMAT or data.get("version") != VERSION:
        raise RecordError(f"unsupported bundle version {data.get('version')!r} ({VERSION})")


def _name(line: str) -> str:
    try:
        data = json.loads(line)
    except ValueError:
        return ""
    return str(data.get("cve_id") or data.get("reference") or "")


def _cve(data: dict[str, Any], origin: str) -> CveCandidate:
    cve_id = check_cve_id(data["cve_id"])
    sources = data.get("sources") or {}
    if not isinstance(sources, dict):
        raise RecordError("`sources` is not an object")

    def build() -> CveRecord:
        extra = {name: data.get(name) for name in CVE_FIELDS}
        extra["published"] = parse_datetime(extra["published"])
        extra["last_modified"] = parse_datetime(extra["last_modified"])
        extra["sources"] = sources
        rules = [
            RuleRecord(
                **{f: rule.get(f, "") for f in RULE_FIELDS},
                running_on=tuple(rule.get("running_on") or ()),
            )
            for rule in data.get("rules") or []
        ]
        return CveRecord(cve_id=cve_id, source="bundle", rules=rules, extra=extra)

    return CveCandidate(
        cve_id=cve_id,
        source="bundle",
        modified="",
        content_hash=sources_hash(sources),
        origin=origin,
        build=build,
    )


def _kev(data: dict[str, Any], origin: str) -> KevRecord:
    values: dict[str, Any] = {name: data.get(name) for name in KEV_FIELDS}
    values["cve_id"] = check_cve_id(values["cve_id"])
    values["date_added"] = parse_date(values["date_added"])
    values["due_date"] = parse_date(values["due_date"])
    return KevRecord(**values)


def _epss(data: dict[str, Any], origin: str) -> EpssRecord:
    score_date = parse_date(data.get("score_date"))
    if score_date is None:
        raise RecordError("no score date")
    return EpssRecord(
        check_cve_id(data["cve_id"]), float(data["epss"]), float(data["percentile"]), score_date
    )


def _advisory(data: dict[str, Any], origin: str) -> AdvisoryRecord:
    values: dict[str, Any] = {name: data.get(name) for name in ADVISORY_FIELDS}
    values["published"] = parse_datetime(values["published"])
    values["last_revision"] = parse_datetime(values["last_revision"])
    values["closed_at"] = parse_date(values["closed_at"])
    return AdvisoryRecord(**values)


PARSERS: dict[str, Callable[[dict[str, Any], str], Any]] = {
    "cve": _cve,
    "kev": _kev,
    "epss": _epss,
    "advisory": _advisory,
}
