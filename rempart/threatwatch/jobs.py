"""Threat-watch jobs: catalog import (CLI), synchronisation (CLI, UI, schedule), bundle export."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rempart.jobs.runner import JobContext, job
from rempart.threatwatch.importers.bundle import export_bundle
from rempart.threatwatch.importers.pipeline import catalog_import_files
from rempart.threatwatch.sync import catalog_sync


@job("threatwatch.import", resumable=True)  # upserts: safe to run again
def import_job(context: JobContext, *, paths: list[str]) -> dict[str, Any]:
    """Import vulnerability data files (any supported format, tarballs included)."""
    context.log(f"importing {len(paths)} path(s)")
    result = catalog_import_files(
        [Path(p) for p in paths],
        progress=context.progress,
        check_cancelled=context.check_cancelled,
    )
    context.log(f"{result['changes']} change(s), {result['errors']} error(s)")
    return result


@job("threatwatch.sync", resumable=True)  # upserts from its resume point
def sync_job(context: JobContext, *, sources: list[str] | None = None) -> dict[str, Any]:
    """Synchronise the catalog with NVD, KEV, EPSS and CERT-FR (or the given sources)."""
    result = catalog_sync(
        sources=sources,
        progress=context.progress,
        check_cancelled=context.check_cancelled,
    )
    for name, outcome in result["sources"].items():
        context.log(
            f"{name}: {outcome['changes']} change(s), {outcome['errors']} error(s)"
            + (f" — failed: {outcome['failed']}" if outcome["failed"] else "")
        )
    return result


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
