"""`rempart intel`: vulnerability intelligence from the command line.

    rempart intel sync [--source nvd|kev|epss|certfr]…   synchronise with the real sources
    rempart intel import PATH… [--force]                 import files (any supported format;
                                                         files imported before are skipped)
    rempart intel status                                 state of each source and of the catalog
    rempart intel export-bundle FILE                     write the catalog as a bundle (tar.gz)
    rempart intel lookup CPE23 [--json]                  the CVEs applying to a product version
    rempart intel correlate                              correlate the CVEs an interrupted run left

Each action but `status` and `lookup` (plain reads) runs as a job: a progress bar on stderr,
the counts and errors in the job's result and in each source's status.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from rempart.jobs.models import JobRun
from rempart.jobs.runner import job_run_inline
from rempart.threatwatch.models import Advisory, CpeMatch, Cve, EpssScore, KevEntry, SourceStatus
from rempart.threatwatch.services.lookup import CpeLookupError, lookup_cpe23
from rempart.threatwatch.services.pending import (
    pending_correlation_count,
    pending_correlation_run,
)
from rempart.threatwatch.sync import SOURCES

SHOWN_PROBLEMS = 20


class Command(BaseCommand):
    help = "Vulnerability intelligence: sync, import, status, export-bundle, lookup."

    def add_arguments(self, parser: Any) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        sync = actions.add_parser("sync", help="synchronise with NVD, KEV, EPSS, CERT-FR")
        sync.add_argument(
            "--source", action="append", choices=SOURCES, help="only this source (repeatable)"
        )
        load = actions.add_parser("import", help="import vulnerability data files")
        load.add_argument("paths", nargs="+", metavar="PATH")
        load.add_argument(
            "--force", action="store_true", help="read again the files imported before"
        )
        actions.add_parser("status", help="state of the sources and of the catalog")
        export = actions.add_parser("export-bundle", help="write the catalog to a bundle")
        export.add_argument("file", metavar="FILE")
        find = actions.add_parser("lookup", help="the CVEs applying to a CPE 2.3 name")
        find.add_argument("cpe", metavar="CPE23", help="a CPE 2.3 name with a version")
        find.add_argument("--json", action="store_true", help="a JSON list on stdout")
        actions.add_parser(
            "correlate", help="correlate the inventory with the CVEs still waiting for it"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        handlers: dict[str, Callable[[dict[str, Any]], None]] = {
            "sync": self.sync,
            "import": self.load,
            "status": self.status,
            "export-bundle": self.export,
            "lookup": self.lookup,
            "correlate": self.correlate,
        }
        handlers[options["action"]](options)

    # --- actions --------------------------------------------------------------------------------

    def sync(self, options: dict[str, Any]) -> None:
        sources = options["source"] or list(SOURCES)
        result = self._job(
            "threatwatch.sync",
            f"intel sync {' '.join(sources)} (cli)",
            {"sources": sources},
            unit=" records",
        )
        for name, outcome in result["sources"].items():
            self._summary(name, outcome)

    def load(self, options: dict[str, Any]) -> None:
        paths = options["paths"]
        result = self._job(
            "threatwatch.import",
            f"intel import {len(paths)} path(s) (cli)",
            {"paths": paths, "force": options["force"]},
            unit="B",
        )
        for path, formats in result["files"].items():
            kinds = ", ".join(f"{name} x{count}" for name, count in formats.items())
            self.stdout.write(f"{path}: {kinds}")
        self._summary("import", result)
        if result["skipped_files"]:
            self.stdout.write(
                f"{result['skipped_files']} file(s) unchanged since their import, skipped "
                f"({result['skipped_errors']} error(s) at their import; --force reads them again)"
            )
        if result["refused"]:
            raise CommandError("nothing imported from: " + ", ".join(result["refused"]))

    def status(self, options: dict[str, Any]) -> None:
        for status in SourceStatus.objects.order_by("source"):
            self.stdout.write(
                f"{status.source:<13} last run {_when(status.last_run_at)}, last success "
                f"{_when(status.last_success_at)}, {status.records} records, "
                f"+{status.last_added} ~{status.last_updated}, "
                f"{status.last_error_count} error(s), {status.last_outcome or 'never run'}"
                + (f", resume point {status.cursor}" if status.cursor else "")
            )
        self.stdout.write(
            f"catalog: {Cve.objects.count()} CVEs, {CpeMatch.objects.count()} rules, "
            f"{KevEntry.objects.count()} KEV entries, {EpssScore.objects.count()} EPSS scores, "
            f"{Advisory.objects.count()} CERT-FR publications, "
            f"{pending_correlation_count()} CVE(s) waiting for correlation"
        )

    def correlate(self, options: dict[str, Any]) -> None:
        waiting = pending_correlation_count()
        if not waiting:
            self.stdout.write("No CVE is waiting for correlation.")
            return
        self.stdout.write(_correlation_line(pending_correlation_run()))

    def export(self, options: dict[str, Any]) -> None:
        result = self._job(
            "threatwatch.export",
            "intel export-bundle (cli)",
            {"path": options["file"]},
            unit=" rows",
        )
        counts = ", ".join(f"{count} {name}" for name, count in result["counts"].items())
        self.stdout.write(self.style.SUCCESS(f"Bundle written to {result['path']}: {counts}."))

    def lookup(self, options: dict[str, Any]) -> None:
        try:
            rows = lookup_cpe23(options["cpe"])
        except CpeLookupError as exc:
            raise CommandError(str(exc)) from exc
        if options["json"]:
            self.stdout.write(json.dumps(rows, ensure_ascii=False, indent=2))
            return
        if not rows:
            self.stdout.write(f"No known CVE applies to {options['cpe']}.")
            return
        for row in rows:
            cvss = "-" if row["cvss"] is None else f"{row['cvss']:.1f}"
            epss = "-" if row["epss"] is None else f"{row['epss']:.3f}"
            kev = " KEV" if row["known_exploited"] else ""
            self.stdout.write(
                f"{row['cve']:<17} CVSS {cvss:>4}  EPSS {epss:>5}{kev:<4}  "
                f"{row['confidence']:<9} {row['source']}"
            )
        self.stdout.write(f"{len(rows)} CVE(s).")

    # --- helpers --------------------------------------------------------------------------------

    def _job(self, kind: str, title: str, params: dict[str, Any], *, unit: str) -> Any:
        scale = unit == "B"
        with tqdm(total=0, unit=unit, unit_scale=scale, file=sys.stderr, disable=None) as bar:

            def show(run: JobRun) -> None:
                bar.total = run.progress_total or None
                bar.n = run.progress_done
                if run.message:
                    bar.set_description(run.message[:30], refresh=False)
                bar.refresh()

            run = job_run_inline(kind=kind, title=title, params=params, on_progress=show)
        if run.status != "succeeded":
            # a failed synchronisation says which source failed and why, nothing to add
            raise CommandError(run.error)
        return run.result

    def _summary(self, name: str, result: dict[str, Any]) -> None:
        for source, counts in result["sources"].items():
            self.stdout.write(
                f"{name} / {source}: {counts['added']} added, {counts['updated']} updated, "
                f"{counts['unchanged']} unchanged, {counts['stale']} older than the catalog"
            )
        style = self.style.WARNING if result["errors"] else self.style.SUCCESS
        self.stdout.write(
            style(
                f"{name}: {result['changes']} change(s), {result['errors']} error(s), "
                f"{result['warnings']} warning(s); {result['changed_cves']} CVE(s) changed"
            )
        )
        if "correlation" in result:
            self.stdout.write(_correlation_line(result["correlation"]))
        for problem in result["problems"][:SHOWN_PROBLEMS]:
            record = f" [{problem['record']}]" if problem["record"] else ""
            reason = str(problem["reason"]).removeprefix(f"{problem['file']}: ")
            self.stdout.write(f"  {problem['file']}{record}: {reason}")
        if result["errors"] > SHOWN_PROBLEMS:
            self.stdout.write(f"  … and {result['errors'] - SHOWN_PROBLEMS} more (job result)")


def _correlation_line(summary: dict[str, Any]) -> str:
    if not summary:
        return "correlation: nothing to correlate"
    if summary.get("deferred"):
        return (
            f"correlation: {summary['deferred']} CVE(s) left for the next run "
            "(another correlation was writing the same findings)"
        )
    return (
        f"correlation: {summary['cves']} CVE(s) against {summary['services']} service(s), "
        f"{summary['created']} new finding(s), {summary['closed']} closed"
    )


def _when(moment: Any) -> str:
    return moment.strftime("%Y-%m-%d %H:%M") if moment else "never"
