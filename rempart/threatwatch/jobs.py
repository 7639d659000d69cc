"""Threat-watch jobs: catalog import (CLI), synchronisation (CLI, UI, schedule), bundle export."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from rempart.jobs.runner import JobContext, job
from rempart.threatwatch.importers.bundle import export_bundle
from rempart.threatwatch.importers.pipeline import catalog_import_files
from rempart.threatwatch.sync import catalog_sync, source_label, sync_failure_message


@job("threatwatch.import", resumable=True)  # upserts: safe to run again
def import_job(context: JobContext, *, paths: list[str], force: bool = False) -> dict[str, Any]:
    """Import vulnerability data files (any supported format, tarballs included); files
    imported before are skipped unless `force`."""
    context.log(f"importing {len(paths)} path(s)")
    result = catalog_import_files(
        [Path(p) for p in paths],
        progress=context.progress,
        check_cancelled=context.check_cancelled,
        force=force,
    )
    context.log(f"{result['changes']} change(s), {result['errors']} error(s)")
    return result


class SyncFailedError(Exception):
    """A synchronisation in which a source failed; the message says which and why."""


@job("threatwatch.sync", resumable=True)  # upserts from its resume point
def sync_job(context: JobContext, *, sources: list[str] | None = None) -> dict[str, Any]:
    """Synchronise the catalog with NVD, KEV, EPSS and CERT-FR (or the given sources); the
    job fails when a source failed, with each failed source's reason."""
    result = catalog_sync(
        sources=sources,
        progress=context.progress,
        check_cancelled=context.check_cancelled,
    )
    for name, outcome in result["sources"].items():
        context.log(sync_log_line(name, outcome))
    failure = sync_failure_message(result)
    if failure:
        raise SyncFailedError(failure)
    return result


def sync_log_line(name: str, outcome: dict[str, Any]) -> str:
    """One source's outcome, for the job's log (in the active language)."""
    changes, errors = outcome["changes"], outcome["errors"]
    return _("%(label)s: %(changes)s, %(errors)s (%(state)s)") % {
        "label": source_label(name),
        "changes": ngettext("%(count)d change", "%(count)d changes", changes) % {"count": changes},
        "errors": ngettext("%(count)d error", "%(count)d errors", errors) % {"count": errors},
        "state": _("failed") if outcome["failed"] else _("up to date"),
    }


@job("threatwatch.export", resumable=True)  # rewrites the whole file
def export_job(context: JobContext, *, path: str) -> dict[str, Any]:
    """Write the whole catalog to a bundle that `rempart intel import` reads back."""
    done = [0]

    def step(count: int) -> None:
        done[0] += count
        if done[0] % 1000 == 0:
            context.progress(done[0])

    counts = export_bundle(Path(path), progress=step)
    context.log(f"bundle written: {path}")
    return {"path": path, "counts": counts}
