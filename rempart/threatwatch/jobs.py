"""Threat-watch jobs: catalog import (CLI), synchronisation (CLI, UI, schedule), bundle export."""

from __future__ import annotations

import errno
from pathlib import Path
from typing import Any

from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from rempart.jobs.runner import JobContext, JobFailedError, job
from rempart.threatwatch.importers.bundle import export_bundle
from rempart.threatwatch.importers.pipeline import catalog_import_files
from rempart.threatwatch.sync import catalog_sync, source_label, sync_failure_message


def _changes_and_errors(changes: int, errors: int) -> dict[str, str]:
    return {
        "changes": ngettext("%(count)d change", "%(count)d changes", changes) % {"count": changes},
        "errors": ngettext("%(count)d error", "%(count)d errors", errors) % {"count": errors},
    }


def import_result_text(run: Any) -> str:
    """An import's result in words (`describe` of `threatwatch.import`)."""
    result = run.result
    text = _("Catalog imported: %(changes)s, %(errors)s.") % _changes_and_errors(
        int(result.get("changes") or 0), int(result.get("errors") or 0)
    )
    refused = len(result.get("refused") or [])
    if refused:
        text += " " + ngettext(
            "%(count)d file was not recognised.", "%(count)d files were not recognised.", refused
        ) % {"count": refused}
    return text


@job("threatwatch.import", resumable=True, describe=import_result_text)  # upserts: run again
def import_job(context: JobContext, *, paths: list[str], force: bool = False) -> dict[str, Any]:
    """Import vulnerability data files (any supported format, tarballs included); files
    imported before are skipped unless `force`."""
    context.log(
        ngettext("Importing %(count)d path.", "Importing %(count)d paths.", len(paths))
        % {"count": len(paths)}
    )
    result = catalog_import_files(
        [Path(p) for p in paths],
        progress=context.progress,
        check_cancelled=context.check_cancelled,
        force=force,
    )
    context.log(
        _("%(changes)s, %(errors)s.") % _changes_and_errors(result["changes"], result["errors"])
    )
    return result


class SyncFailedError(JobFailedError):
    """A synchronisation in which a source failed; the message says which and why."""


def sync_result_text(run: Any) -> str:
    """A synchronisation's result, one line per source (`describe` of `threatwatch.sync`)."""
    sources = run.result.get("sources") or {}
    return format_html(
        '{}<ul class="mb-0">{}</ul>',
        _("Catalog synchronised:"),
        format_html_join("", "<li>{}</li>", ((sync_log_line(n, o),) for n, o in sources.items())),
    )


@job("threatwatch.sync", resumable=True, describe=sync_result_text)  # upserts from its resume
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
    return _("%(label)s: %(changes)s, %(errors)s (%(state)s)") % {
        "label": source_label(name),
        **_changes_and_errors(outcome["changes"], outcome["errors"]),
        "state": _("failed") if outcome["failed"] else _("up to date"),
    }


def export_result_text(run: Any) -> str:
    """An export's result in words (`describe` of `threatwatch.export`)."""
    total = sum((run.result.get("counts") or {}).values())
    return ngettext(
        "Bundle written to %(path)s: %(count)d record.",
        "Bundle written to %(path)s: %(count)d records.",
        total,
    ) % {"path": run.result.get("path", ""), "count": total}


# Why a bundle could not be written, by errno; anything else is named by its number.
WRITE_PROBLEMS = {
    errno.ENOENT: gettext_lazy("its folder does not exist (is the drive mounted?)"),
    errno.EACCES: gettext_lazy("permission denied"),
    errno.EPERM: gettext_lazy("permission denied"),
    errno.ENOSPC: gettext_lazy("the disk is full"),
    errno.EROFS: gettext_lazy("the drive is read-only"),
}


@job("threatwatch.export", resumable=True, describe=export_result_text)  # rewrites the file
def export_job(context: JobContext, *, path: str) -> dict[str, Any]:
    """Write the whole catalog to a bundle that `rempart intel import` reads back."""
    done = [0]

    def step(count: int) -> None:
        done[0] += count
        if done[0] % 1000 == 0:
            context.progress(done[0])

    try:
        counts = export_bundle(Path(path), progress=step)
    except OSError as exc:
        reason = WRITE_PROBLEMS.get(exc.errno or 0) or _("system error %(errno)s") % {
            "errno": exc.errno
        }
        raise JobFailedError(
            _("The bundle could not be written to %(path)s: %(reason)s.")
            % {"path": path, "reason": reason}
        ) from exc
    context.log(_("Bundle written: %(path)s.") % {"path": path})
    return {"path": path, "counts": counts}
