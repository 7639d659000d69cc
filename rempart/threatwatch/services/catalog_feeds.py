"""Writing the catalog's feeds — CISA KEV, FIRST EPSS, CERT-FR — and the SQL helpers of the
catalog writers (see `rempart.threatwatch.services.catalog`)."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from dataclasses import asdict
from typing import Any

from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from rempart.threatwatch.importers.kev import version_date
from rempart.threatwatch.importers.records import (
    AdvisoryRecord,
    CveCandidate,
    EpssRecord,
    ImportReport,
    KevRecord,
)
from rempart.threatwatch.index import catalog_changed
from rempart.threatwatch.models import Advisory, AdvisoryCve, Cve, EpssScore, KevEntry, SourceStatus
from rempart.threatwatch.services.catalog_sql import (
    bulk_set,
    date_value,
    insert_rows,
    rows_in,
    update_rows,
)
from rempart.threatwatch.services.pending import pending_correlation_add

logger = logging.getLogger(__name__)
PARTIAL = "ale-list:"
ADVISORY_FIELDS = [
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
]
KEV_FIELDS = [f for f in KevRecord.__dataclass_fields__ if f != "cve_id"]


# --- SQL helpers ------------------------------------------------------------------------------


def write_safely(items: list[Any], report: ImportReport, write: Any) -> None:
    """Write a batch in one transaction; on a database error, record by record."""
    if not items:
        return
    try:
        with transaction.atomic():
            write(items, report)
    except DatabaseError:
        logger.warning("batch of %d failed; retrying record by record", len(items))
        for item in items:
            try:
                with transaction.atomic():
                    write([item], report)
            except DatabaseError as exc:
                origin, key, source = _where(item)
                report.database_errors += 1
                report.problem(origin, key, f"database: {exc}", source=source, retry=True)


def _where(item: Any) -> tuple[str, str, str]:
    """File, record and source of an item that could not be written."""
    first = item[0] if isinstance(item, tuple) else item
    if isinstance(first, CveCandidate):
        return first.origin, first.cve_id, first.source
    if isinstance(first, AdvisoryRecord):
        return first.url, first.reference, "certfr"
    return "", str(getattr(first, "cve_id", "")), ""


# --- KEV, EPSS, CERT-FR ------------------------------------------------------------------------


def kev_catalog_write(records: Sequence[KevRecord], version: str, report: ImportReport) -> None:
    """Upsert a KEV catalog and flag its CVEs as known exploited. A catalog older than the
    newest one imported (`version`: `catalogVersion`, or the last `dateAdded` of a CSV) only
    adds the entries missing, so that imports in any order converge."""
    latest = {r.cve_id: r for r in records}
    existing = {k.cve_id: k for k in KevEntry.objects.filter(cve_id__in=latest)}
    older = _older_than_imported(version)
    new, changed, counts, now = [], [], report.of("kev"), timezone.now()
    for cve_id, record in latest.items():
        values, entry = asdict(record), existing.get(cve_id)
        if entry is None:
            new.append(KevEntry(**values))
        elif all(getattr(entry, k) == v for k, v in values.items()):
            counts.unchanged += 1
        elif older:
            counts.stale += 1
        else:
            for key, value in values.items():
                setattr(entry, key, value)
            entry.updated_at = now
            changed.append(entry)
    counts.added, counts.updated = counts.added + len(new), counts.updated + len(changed)
    with transaction.atomic():
        KevEntry.objects.bulk_create(new, batch_size=500)
        update_rows(KevEntry, changed, [*KEV_FIELDS, "updated_at"])
        if not older:
            SourceStatus.objects.update_or_create(source="kev", defaults={"cursor": version})
        flagged = set(
            Cve.objects.filter(
                cve_id__in=[e.cve_id for e in (*new, *changed)], known_exploited=False
            ).values_list("cve_id", flat=True)
        )
        Cve.objects.filter(cve_id__in=flagged).update(known_exploited=True, updated_at=now)
        pending_correlation_add(flagged)
        if flagged:
            catalog_changed()
        report.changed_cves.update(flagged)


def _older_than_imported(version: str) -> bool:
    """Whether a catalog is older than the newest imported, compared as dates; a stored
    version that is not one (written before versions were checked) counts as none."""
    stored = SourceStatus.objects.filter(source="kev").values_list("cursor", flat=True).first()
    newest, mine = version_date(stored), version_date(version)
    if stored and newest is None:
        logger.warning("KEV: stored catalog version %r is not a date: replaced", stored)
    return newest is not None and mine is not None and mine < newest


def epss_batch_write(records: Sequence[EpssRecord], report: ImportReport) -> None:
    """Upsert EPSS scores (a score older than the stored one is stale) and copy them to
    the CVEs of the catalog."""
    latest: dict[str, EpssRecord] = {}
    for record in records:
        current = latest.get(record.cve_id)
        if current is None or record.score_date >= current.score_date:
            latest[record.cve_id] = record
    columns = ["cve_id", "epss", "percentile", "score_date"]
    existing = {
        cve_id: (epss, percentile, date_value(day))
        for cve_id, epss, percentile, day in rows_in(EpssScore, "cve_id", latest, columns)
    }
    new, changed = [], []
    counts = report.of("epss")
    for cve_id, record in latest.items():
        stored = existing.get(cve_id)
        if stored is None:
            new.append(record)
        elif record.score_date < stored[2]:
            counts.stale += 1
        elif (record.epss, record.percentile, record.score_date) == stored:
            counts.unchanged += 1
        else:
            changed.append(record)
    counts.added, counts.updated = counts.added + len(new), counts.updated + len(changed)
    with transaction.atomic():
        day = connection.ops.adapt_datefield_value
        insert_rows(EpssScore, columns, [(*_scores(r), day(r.score_date)) for r in new])
        bulk_set(
            EpssScore, "cve_id", columns[1:], [(*_scores(r), day(r.score_date)) for r in changed]
        )
        _copy_to_cves([*new, *changed], report)


def _scores(record: EpssRecord) -> tuple[str, float, float]:
    return record.cve_id, record.epss, record.percentile


def _copy_to_cves(records: list[EpssRecord], report: ImportReport) -> None:
    wanted = {r.cve_id: (r.epss, r.percentile) for r in records}
    rows = rows_in(Cve, "cve_id", wanted, ["cve_id", "epss", "epss_percentile"])
    stale = [
        (cve_id, *wanted[cve_id]) for cve_id, *scores in rows if tuple(scores) != wanted[cve_id]
    ]
    bulk_set(Cve, "cve_id", ["epss", "epss_percentile"], stale)
    pending_correlation_add(row[0] for row in stale)
    if stale:
        catalog_changed()
    report.changed_cves.update(row[0] for row in stale)


def advisory_batch_write(records: Sequence[AdvisoryRecord], report: ImportReport) -> None:
    """Upsert CERT-FR publications and their CVE links. An entry of the derived ALE list
    never overwrites a full document; a document whose last revision is older than the
    stored one is stale (equal dates: the larger hash wins, so imports converge)."""
    latest: dict[str, AdvisoryRecord] = {}
    for record in records:
        current = latest.get(record.reference)
        if current is None or _rank(record) > _rank(current):
            latest[record.reference] = record
    existing = {a.reference: a for a in Advisory.objects.filter(reference__in=latest)}
    todo: list[tuple[AdvisoryRecord, Advisory | None, str]] = []
    counts = report.of("certfr")
    for reference, record in latest.items():
        stored = existing.get(reference)
        wanted = (PARTIAL + record.content_hash[:32]) if record.partial else record.content_hash
        if stored is None:
            todo.append((record, stored, wanted))
        elif stored.content_hash == wanted or (record.partial and _is_full(stored)):
            counts.unchanged += 1
        elif _is_full(stored) and _rank(record) < (
            True,
            _day(stored.last_revision),
            stored.content_hash,
        ):
            counts.stale += 1
        else:
            todo.append((record, stored, wanted))
    write_safely(todo, report, _write_advisories)


def _is_full(advisory: Advisory) -> bool:
    return not advisory.content_hash.startswith(PARTIAL)


def _day(moment: dt.datetime | None) -> dt.datetime:
    return moment or dt.datetime.min.replace(tzinfo=dt.UTC)


def _rank(record: AdvisoryRecord) -> tuple[bool, dt.datetime, str]:
    """Full documents over list entries, then the last revision, then the hash."""
    return (not record.partial, _day(record.last_revision), record.content_hash)


def _write_advisories(todo: list[Any], report: ImportReport) -> None:
    counts = report.of("certfr")
    now = timezone.now()
    advisories = []
    for record, stored, wanted in todo:
        advisory = stored or Advisory(reference=record.reference)
        for name in ADVISORY_FIELDS:
            setattr(advisory, name, getattr(record, name))
        advisory.content_hash, advisory.updated_at = wanted, now
        advisories.append(advisory)
        if stored:
            counts.updated += 1
        else:
            counts.added += 1
    updated = [a for a in advisories if a.pk is not None]
    Advisory.objects.bulk_create([a for a in advisories if a.pk is None], batch_size=500)
    update_rows(Advisory, updated, [*ADVISORY_FIELDS, "content_hash", "updated_at"])
    if updated:
        AdvisoryCve.objects.filter(advisory__in=[a.pk for a in updated]).delete()
    insert_rows(
        AdvisoryCve, ["advisory_id", "cve_id"], [(a.pk, c) for a in advisories for c in a.cve_ids]
    )
