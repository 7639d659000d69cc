"""Durable correlation work: the CVEs that changed and still have to meet the inventory.

The catalog writers record the CVEs whose applicability (rules, state), KEV flag or EPSS
changed in the transaction that writes them (`pending_correlation_add`). The end of an
import or a synchronisation consumes them (`pending_correlation_run`): the findings are
written and the consumed rows deleted in one transaction. An import killed after some
batches were written leaves their CVEs here, and the next run (or `rempart intel
correlate`) correlates them. Running twice is harmless: findings are matched to the existing
ones by fingerprint, and only new findings raise alerts.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import asdict
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from rempart.threatwatch.alerts.raising import alerts_raise
from rempart.threatwatch.models import PendingCorrelation
from rempart.threatwatch.services.catalog_sql import insert_rows
from rempart.threatwatch.services.correlation import correlate_catalog_change

logger = logging.getLogger(__name__)
ALL_SERVICES_ABOVE = 5000  # past this many CVEs, every open service is re-correlated at once
CHUNK = 900  # identifiers per `IN (…)`: under SQLite's limit on query parameters


def pending_correlation_add(cve_ids: Iterable[str]) -> None:
    """Record CVEs to correlate; call it inside the transaction that changes them."""
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    rows = [(cve_id, now) for cve_id in sorted(set(cve_ids))]
    insert_rows(PendingCorrelation, ["cve_id", "created_at"], rows)


def pending_correlation_count() -> int:
    return PendingCorrelation.objects.count()


def pending_correlation_run() -> dict[str, Any]:
    """Correlate the inventory with every pending CVE, then delete the rows consumed, in one
    transaction. Rows added meanwhile (another import) stay for the next run. Returns the
    correlation's counts, with `deferred` when the work was left for the next run."""
    rows = list(PendingCorrelation.objects.values_list("pk", "cve_id"))
    if not rows:  # nothing to correlate; new CERT-FR publications may still concern members
        alerts = alerts_raise(cve_ids=[]).alerts
        return {"watch_alerts": alerts} if alerts else {}
    cve_ids = {cve_id for _, cve_id in rows}
    try:
        with transaction.atomic():
            summary = correlate_catalog_change(
                cve_ids=None if len(cve_ids) > ALL_SERVICES_ABOVE else cve_ids
            )
            _delete([pk for pk, _ in rows])
    except IntegrityError as exc:
        # another process created the same findings at the same moment: nothing of this
        # run was written, the rows stay and the next run does the work
        logger.warning("correlation of %d CVE(s) deferred: %s", len(cve_ids), exc)
        return {"deferred": len(cve_ids)}
    return {**asdict(summary), "cves": len(cve_ids)}


def _delete(pks: list[int]) -> None:
    for start in range(0, len(pks), CHUNK):
        PendingCorrelation.objects.filter(pk__in=pks[start : start + CHUNK]).delete()
