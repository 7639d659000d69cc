"""Writing the vulnerability catalog: batched upserts of what the importers parsed.

* Each batch is one transaction: a CVE and its applicability rules (`CpeMatch`) are
  replaced together, never half-written. When a batch fails in the database, its records
  are retried one by one and only the failing ones are reported.
* Unchanged records are skipped cheaply: `Cve.sources[source]` keeps the content hash and
  modification date of what each source last said; they are preloaded per batch and a
  record is only fully parsed (CVSS, rules) when its hash differs. An older record than the
  stored one (`modified`) is skipped as stale, so re-imports in any order converge.
* Sources rank for the CVE's own fields: CVE record (`cve5`) over NVD over the anchore
  overrides; a lower source only fills blank fields. For rules, each source replaces its own:
  NVD the `nvd` rules (unless an anchore override, which corrects NVD, is present), CVE
  records the `cve5-cna`/`cve5-adp` rules. A bundle mirrors the exporting catalog.
* The CVEs whose applicability changed are recorded for correlation in the batch's
  transaction (`services/pending.py`): an import killed after a batch loses no work.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from collections.abc import Iterable, Sequence
from typing import Any

from django.db import connection
from django.utils import timezone

from rempart.threatwatch.importers.common import parse_datetime
from rempart.threatwatch.importers.records import (
    PARSER_VERSION,
    CveCandidate,
    CveRecord,
    ImportReport,
    KevRecord,
    RecordError,
    RuleRecord,
    sources_hash,
)
from rempart.threatwatch.index import catalog_changed
from rempart.threatwatch.models import Advisory, CpeMatch, Cve, EpssScore, KevEntry, SourceStatus
from rempart.threatwatch.services.catalog_feeds import (
    advisory_batch_write,
    epss_batch_write,
    kev_catalog_write,
    write_safely,
)
from rempart.threatwatch.services.catalog_sql import (
    CHUNK,
    insert_models,
    insert_rows,
    json_value,
    rows_in,
    update_rows,
)
from rempart.threatwatch.services.pending import pending_correlation_add

logger = logging.getLogger(__name__)
PRIORITY = {"bundle": 4, "cve5": 3, "nvd": 2, "nvd-override": 1}
RULE_SOURCES = {
    "nvd": ("nvd",),
    "nvd-override": ("nvd",),
    "cve5": ("cve5-cna", "cve5-adp"),
    "bundle": ("nvd", "cve5-cna", "cve5-adp"),
}
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
]
BUNDLE_FIELDS = [*CVE_FIELDS, "known_exploited", "epss", "epss_percentile"]
NEW_CVE_FIELDS = [
    f.name for f in Cve._meta.concrete_fields if not f.primary_key
]  # every column but `id`
CVE_SOURCES = ["cve_id", "sources"]
BUILD_ERRORS = (RecordError, KeyError, TypeError, AttributeError, ValueError)


# --- CVE records ---------------------------------------------------------------------------


def rules_hash(rules: Sequence[RuleRecord]) -> str:
    text = "[" + ", ".join(sorted(map(repr, rules))) + "]"  # repr(sorted(rules, key=repr))
    return hashlib.blake2b(text.encode(), digest_size=8).hexdigest()


def _moment(text: str) -> str:
    try:
        moment = parse_datetime(text)
    except RecordError:
        return text
    return moment.astimezone(dt.UTC).isoformat() if moment else ""


def _verdict(candidate: CveCandidate, sources: dict[str, Any] | None) -> str:
    """`new`, `changed`, `unchanged` or `stale` against what the catalog holds."""
    if sources is None:
        return "new"
    if candidate.source == "bundle":
        return "unchanged" if candidate.content_hash == sources_hash(sources) else "changed"
    stored = sources.get(candidate.source)
    if not isinstance(stored, dict):
        return "changed"
    if stored.get("hash") == candidate.content_hash:
        return "unchanged"
    return "stale" if _is_stale(candidate, stored) else "changed"


def _is_stale(candidate: CveCandidate, stored: dict[str, Any]) -> bool:
    """Older than what the catalog holds, or as old with a smaller hash (a deterministic
    winner); a record read by an older parser is rewritten once, unless it is older."""
    mine, theirs = _moment(candidate.modified), _moment(str(stored.get("modified") or ""))
    if not (mine and theirs) or mine > theirs:
        return False
    if mine < theirs:
        return True
    if str(stored.get("parser") or "1") != PARSER_VERSION:
        return False
    return candidate.content_hash < str(stored.get("hash"))


def _newest(candidates: Iterable[CveCandidate]) -> list[CveCandidate]:
    """One candidate per (CVE, source) in a batch: the most recent one."""
    chosen: dict[tuple[str, str], CveCandidate] = {}
    for candidate in candidates:
        key = (candidate.cve_id, candidate.source)
        current = chosen.get(key)
        if current is None or (_moment(candidate.modified), candidate.content_hash) > (
            _moment(current.modified),
            current.content_hash,
        ):
            chosen[key] = candidate
    return list(chosen.values())


def cve_batch_write(candidates: Sequence[CveCandidate], report: ImportReport) -> None:
    """Upsert a batch of CVE documents (see the module docstring)."""
    batch = _newest(candidates)
    stored = {
        cve_id: json_value(sources)
        for cve_id, sources in rows_in(Cve, "cve_id", (c.cve_id for c in batch), CVE_SOURCES)
    }
    todo: list[tuple[CveCandidate, CveRecord]] = []
    for candidate in batch:
        verdict = _verdict(candidate, stored.get(candidate.cve_id))
        if verdict in ("unchanged", "stale"):
            setattr(
                report.of(candidate.source),
                verdict,
                getattr(report.of(candidate.source), verdict) + 1,
            )
            continue
        try:
            record = candidate.build()
        except BUILD_ERRORS as exc:
            report.problem(
                candidate.origin,
                candidate.cve_id,
                f"{type(exc).__name__}: {exc}",
                source=candidate.source,
            )
            continue
        for warning in record.warnings:
            report.warn(candidate.origin, candidate.cve_id, warning)
        todo.append((candidate, record))
    write_safely(todo, report, _write_cves)


def _write_cves(todo: list[tuple[CveCandidate, CveRecord]], report: ImportReport) -> None:
    ids = {candidate.cve_id for candidate, _ in todo}
    rows = {cve.cve_id: cve for cve in Cve.objects.filter(cve_id__in=ids)}
    existed = set(rows)
    final_rules: dict[tuple[str, str], list[RuleRecord]] = {}
    now = timezone.now()
    changed: set[str] = set()
    for candidate, record in todo:
        cve = rows.setdefault(record.cve_id, Cve(cve_id=record.cve_id, sources={}))
        if _apply(cve, candidate, record, final_rules):
            changed.add(record.cve_id)
        cve.updated_at = now
        counts = report.of(candidate.source)
        if record.cve_id in existed:
            counts.updated += 1
        else:
            counts.added += 1
    created = [cve for cve_id, cve in rows.items() if cve_id not in existed]
    _mark_known(created)
    _create_cves(created, now)
    updated = [cve for cve_id, cve in rows.items() if cve_id in existed]
    update_rows(Cve, updated, [*BUNDLE_FIELDS, "sources", "updated_at"])
    _replace_rules(rows, final_rules, existed)
    pending_correlation_add(changed)  # same transaction: a killed import loses no work
    catalog_changed()
    report.changed_cves.update(changed)


def _apply(
    cve: Cve,
    candidate: CveCandidate,
    record: CveRecord,
    final_rules: dict[tuple[str, str], list[RuleRecord]],
) -> bool:
    """Merge one record into the row; True when its applicability (rules, state) changed."""
    state_before = cve.state
    sources = dict(cve.sources or {})
    if record.source == "bundle":
        for name in BUNDLE_FIELDS:
            setattr(cve, name, record.extra.get(name, getattr(cve, name)))
        before = sources_hash(sources)
        cve.sources = record.extra.get("sources") or {}
        for source in RULE_SOURCES["bundle"]:
            final_rules[(record.cve_id, source)] = [r for r in record.rules if r.source == source]
        return before != sources_hash(cve.sources) or state_before != cve.state
    _merge_fields(cve, record, sources)
    keep_rules = record.source == "nvd" and "nvd-override" in sources
    digest = rules_hash(record.rules)
    previous = sources.get(record.source)
    sources[record.source] = {
        "hash": candidate.content_hash,
        "modified": candidate.modified,
        "rules": digest,
        "parser": PARSER_VERSION,
    }
    cve.sources = sources
    if not keep_rules:
        for source in RULE_SOURCES[record.source]:
            final_rules[(record.cve_id, source)] = [r for r in record.rules if r.source == source]
    rules_changed = not keep_rules and (
        not isinstance(previous, dict) or previous.get("rules") != digest
    )
    return rules_changed or state_before != cve.state


def _merge_fields(cve: Cve, record: CveRecord, sources: dict[str, Any]) -> None:
    rank = PRIORITY[record.source]
    overwrite = rank >= max((PRIORITY.get(s, 0) for s in sources if s != record.source), default=0)
    for name, value in _values(record).items():
        if value in (None, "", []):
            continue
        if overwrite or getattr(cve, name) in (None, "", []):
            setattr(cve, name, value)
    if record.last_modified and cve.last_modified:
        cve.last_modified = max(cve.last_modified, record.last_modified)
    cve.cvss_score = next(
        (s for s in (cve.cvss4_score, cve.cvss3_score, cve.cvss2_score) if s is not None), None
    )


def _values(record: CveRecord) -> dict[str, Any]:
    values: dict[str, Any] = {
        "state": record.state,
        "title": record.title,
        "description": record.description,
        "published": record.published,
        "last_modified": record.last_modified,
        "assigner": record.assigner,
        "cwes": record.cwes,
        "references": record.references,
    }
    for major, (vector, score) in record.cvss.items():
        values[f"cvss{major}_vector"] = vector[: 250 if major == "4" else 120]
        values[f"cvss{major}_score"] = score
    return values


def _create_cves(created: list[Cve], now: dt.datetime) -> None:
    """INSERT the new rows, then read their primary keys back (for their rules)."""
    for cve in created:
        cve.created_at = cve.updated_at = now
    insert_models(Cve, created, NEW_CVE_FIELDS)
    by_id = {cve.cve_id: cve for cve in created}
    for cve_id, pk in rows_in(Cve, "cve_id", by_id, ["cve_id", "id"]):
        by_id[cve_id].pk = pk


def _mark_known(created: list[Cve]) -> None:
    """New CVEs take the KEV flag and EPSS scores imported before them."""
    ids = [cve.cve_id for cve in created]
    if not ids:
        return
    known = {row[0] for row in rows_in(KevEntry, "cve_id", ids, ["cve_id"])}
    scores = {
        s[0]: s[1:] for s in rows_in(EpssScore, "cve_id", ids, ["cve_id", "epss", "percentile"])
    }
    for cve in created:
        cve.known_exploited = cve.known_exploited or cve.cve_id in known
        if cve.cve_id in scores:
            cve.epss, cve.epss_percentile = scores[cve.cve_id]


def _replace_rules(
    rows: dict[str, Cve], final: dict[tuple[str, str], list[RuleRecord]], existed: set[str]
) -> None:
    """The rules of each (CVE, source) replaced; a new CVE has none to delete."""
    by_source: dict[str, list[int]] = {}
    for cve_id, source in final:
        if cve_id in existed:
            by_source.setdefault(source, []).append(rows[cve_id].pk)
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        for source, pks in by_source.items():
            for start in range(0, len(pks), CHUNK):
                chunk = pks[start : start + CHUNK]
                cursor.execute(
                    f"DELETE FROM {quote(CpeMatch._meta.db_table)} WHERE source = %s "  # noqa: S608
                    f"AND cve_id IN ({', '.join(['%s'] * len(chunk))})",
                    [source, *chunk],
                )
    _insert_rules(
        [(rows[cve_id].pk, rule) for (cve_id, _), rules in final.items() for rule in rules]
    )


RULE_COLUMNS = [
    "source",
    "part",
    "vendor",
    "product",
    "version",
    "update",
    "start_including",
    "start_excluding",
    "end_including",
    "end_excluding",
    "version_type",
    "running_on",
    "criteria",
]


def _insert_rules(rules: list[tuple[int, RuleRecord]]) -> None:
    running_on = CpeMatch._meta.get_field("running_on")
    empty = running_on.get_db_prep_value([], connection)
    values = [
        (
            pk,
            r.source,
            r.part,
            r.vendor,
            r.product,
            r.version,
            r.update,
            r.start_including,
            r.start_excluding,
            r.end_including,
            r.end_excluding,
            r.version_type,
            running_on.get_db_prep_value(list(r.running_on), connection) if r.running_on else empty,
            r.criteria,
        )
        for pk, r in rules
    ]
    insert_rows(CpeMatch, ["cve_id", *RULE_COLUMNS], values)


# --- Buffering, status -------------------------------------------------------


class CatalogWriter:
    """Buffers parsed records and writes them in batches (one writer per import or sync)."""

    def __init__(self, report: ImportReport, *, batch_size: int = 500) -> None:
        self.report = report
        self.batch_size = batch_size
        self.buffers: dict[str, list[Any]] = {"cve": [], "epss": [], "advisory": []}
        self.writers: dict[str, Any] = {
            "cve": cve_batch_write,
            "epss": epss_batch_write,
            "advisory": advisory_batch_write,
        }

    def add(self, kind: str, item: Any) -> None:
        buffer = self.buffers[kind]
        buffer.append(item)
        if len(buffer) >= self.batch_size * (10 if kind == "epss" else 1):
            self.flush(kind)

    def write_kev(self, records: Sequence[KevRecord], version: str) -> None:
        """A whole KEV catalog at once (it is small): see `kev_catalog_write`."""
        kev_catalog_write(records, version, self.report)

    def flush(self, kind: str | None = None) -> None:
        for name in [kind] if kind else list(self.buffers):
            items, self.buffers[name] = self.buffers[name], []
            if items:
                self.writers[name](items, self.report)


def source_status_record(
    *,
    source: str,
    report: ImportReport,
    succeeded_at: dt.datetime | None = None,
    cursor: str | None = None,
    failed: bool = False,
) -> SourceStatus:
    """Note a run of a source: its outcome, counts, its own errors (each once), the resume
    point and, for a synchronisation that completed, the date its next incremental run
    starts from (an import of files never moves it)."""
    status, _ = SourceStatus.objects.get_or_create(source=source)
    counts = report.of(source)
    status.last_run_at = timezone.now()
    if failed:
        status.last_outcome = SourceStatus.Outcome.FAILED
    elif succeeded_at is not None:
        status.last_outcome = SourceStatus.Outcome.SUCCEEDED
        status.last_success_at = succeeded_at
    else:
        status.last_outcome = SourceStatus.Outcome.IMPORTED
    if cursor is not None:
        status.cursor = cursor[:100]
    status.records = source_record_count(source)
    status.last_added, status.last_updated = counts.added, counts.updated
    status.last_error_count = report.problems_by_source.get(source, 0)
    status.last_errors = [p.as_dict() for p in report.problems if p.source == source][:50]
    status.save()
    return status


def source_record_count(source: str) -> int:
    """Records a source holds in the catalog."""
    if source == "kev":
        return KevEntry.objects.count()
    if source == "epss":
        return EpssScore.objects.count()
    if source == "certfr":
        return Advisory.objects.count()
    if source in PRIORITY:
        return Cve.objects.filter(sources__has_key=source).count()
    return Cve.objects.count()
