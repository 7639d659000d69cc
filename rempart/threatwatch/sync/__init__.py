"""Synchronisation of the catalog with the real sources: NVD API 2.0, CISA KEV, FIRST EPSS
and CERT-FR (`sync/sources.py`), over HTTP with bounded retries (`sync/http.py`).

Each source runs on its own: a source that fails is reported (its code and parameters,
shown in the reader's language) and the others still run. `sync_failure_message()` says
which failed and why, for the job that must then fail (`jobs.py`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext

from rempart.threatwatch.importers.pipeline import CatalogImport
from rempart.threatwatch.importers.records import ImportReport
from rempart.threatwatch.problems import describe
from rempart.threatwatch.services.catalog import source_status_record
from rempart.threatwatch.services.pending import pending_correlation_run
from rempart.threatwatch.sync.http import HttpClient, SyncError, SyncSettings, sync_settings
from rempart.threatwatch.sync.sources import (
    NvdCursor,
    Progress,
    sync_certfr,
    sync_epss,
    sync_kev,
    sync_nvd,
)

__all__ = [
    "SOURCES",
    "HttpClient",
    "SyncError",
    "SyncSettings",
    "catalog_sync",
    "source_label",
    "sync_failure_message",
    "sync_settings",
]

SOURCES = ("nvd", "kev", "epss", "certfr")
SYNCS: dict[str, Callable[[HttpClient, CatalogImport, Progress], Any]] = {
    "nvd": sync_nvd,
    "kev": sync_kev,
    "epss": sync_epss,
    "certfr": sync_certfr,
}
LABELS = {"nvd": "NVD", "kev": "CISA KEV", "epss": "FIRST EPSS", "certfr": "CERT-FR"}


def source_label(source: str) -> str:
    return LABELS.get(source, source)


def catalog_sync(
    *,
    sources: list[str] | None = None,
    progress: Progress | None = None,
    check_cancelled: Callable[[], None] | None = None,
    client: HttpClient | None = None,
) -> dict[str, Any]:
    """Synchronise the given sources (all by default), each on its own: a failed source is
    reported and the others still run. Returns, per source, counts and errors."""
    client = client or HttpClient(sync_settings())
    results: dict[str, Any] = {}
    for source in sources or list(SOURCES):
        results[source] = sync_source(
            source, client=client, progress=progress or _quiet, check_cancelled=check_cancelled
        )
    failed = [name for name, result in results.items() if result.get("failed")]
    return {"sources": results, "failed": failed, "requests": client.requests}


def sync_source(
    source: str,
    *,
    client: HttpClient,
    progress: Progress,
    check_cancelled: Callable[[], None] | None = None,
) -> dict[str, Any]:
    report = ImportReport(source=source)
    run = CatalogImport(report=report, check_cancelled=check_cancelled)
    started = timezone.now()
    failure: SyncError | None = None
    outcome = None
    try:
        outcome = SYNCS[source](client, run, progress)
    except SyncError as exc:
        failure = exc
        report.failure(source, exc)
    run.finish()  # what was parsed before a failure is kept
    succeeded = None
    if failure is None:
        succeeded = outcome.end if isinstance(outcome, NvdCursor) else started
    source_status_record(source=source, report=report, succeeded_at=succeeded, failed=bool(failure))
    result = report.as_dict()
    result["failed"] = str(failure) if failure else ""
    if failure:
        result["failure"] = {"code": failure.code, "params": failure.params}
    result["correlation"] = pending_correlation_run()
    return result


def sync_failure_message(result: dict[str, Any]) -> str:
    """What failed, per source, in the active language ("" when nothing failed)."""
    failed = result["failed"]
    if not failed:
        return ""
    reasons = pgettext("list separator", "; ").join(
        f"{source_label(name)} — {_describe(result['sources'][name])}" for name in failed
    )
    total = len(result["sources"])
    if len(failed) == total:
        return ngettext(
            "The synchronisation failed: %(reasons)s.",
            "The synchronisation of the %(count)d sources failed: %(reasons)s.",
            total,
        ) % {"count": total, "reasons": reasons}
    done = ", ".join(source_label(name) for name in result["sources"] if name not in failed)
    return ngettext(
        "The synchronisation is incomplete: %(count)d source of %(total)d failed: "
        "%(reasons)s. Up to date: %(done)s.",
        "The synchronisation is incomplete: %(count)d sources of %(total)d failed: "
        "%(reasons)s. Up to date: %(done)s.",
        len(failed),
    ) % {"count": len(failed), "total": total, "reasons": reasons, "done": done}


def _describe(outcome: dict[str, Any]) -> str:
    failure = outcome.get("failure")
    if failure:
        return describe(failure["code"], failure["params"])
    return _("failed")


def _quiet(done: int, total: int | None, message: str) -> None:
    return None
