"""`rempart scan --targets 10.0.0.0/28,10.0.1.5 [--establishment FINESS] [--policy standard]
[--authorize] [--json FILE]`: one scan, synchronously, with a progress bar on stderr.

`--authorize` records the targets as an authorised scope of the establishment (by default
the operator's own IT) in the audit log (public addresses also need `--confirm-public`);
without it, targets outside the establishment's
authorised scopes are refused, with the offending addresses listed. Exit code 0 when the
scan completed, whatever it found.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Q
from tqdm import tqdm

from rempart.core.errors import ApplicationError
from rempart.jobs.models import JobRun
from rempart.jobs.runner import job_run_inline
from rempart.scanning.choices import Policy, ScanStatus
from rempart.scanning.selectors import scan_findings_export
from rempart.scanning.services.scopes import cli_scan_create
from rempart.tenancy.finess import normalize
from rempart.tenancy.models import Establishment


class Command(BaseCommand):
    help = "Scan targets now and print or save the findings."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--targets",
            required=True,
            help="Comma-separated addresses, networks, ranges or host names.",
        )
        parser.add_argument(
            "--establishment",
            help="FINESS ET (or URL name) of the establishment; default: the operator's own IT.",
        )
        parser.add_argument("--policy", default=Policy.STANDARD, choices=Policy.values)
        parser.add_argument(
            "--authorize",
            action="store_true",
            help="Record the targets as an authorised scope (audited).",
        )
        parser.add_argument(
            "--confirm-public",
            action="store_true",
            help="With --authorize: confirm that public addresses among the targets belong "
            "to the establishment (recorded in the authorisation and the audit log).",
        )
        parser.add_argument("--json", type=Path, help="Write the findings as JSON to this file.")

    def handle(self, *args: Any, **options: Any) -> None:
        targets = [t.strip() for t in options["targets"].split(",") if t.strip()]
        if not targets:
            raise CommandError("--targets is empty")
        establishment = _establishment(options.get("establishment"))
        try:
            scan = cli_scan_create(
                establishment=establishment,
                targets=targets,
                policy=options["policy"],
                authorize=options["authorize"],
                confirm_public=options["confirm_public"],
            )
        except ApplicationError as exc:
            raise CommandError(str(exc.message)) from exc
        run = self._run(scan)
        scan.refresh_from_db()
        findings = scan_findings_export(scan=scan)
        if options["json"]:
            options["json"].write_text(json.dumps(findings, indent=2, ensure_ascii=False) + "\n")
        self._summary(scan, findings, run)
        if scan.status != ScanStatus.COMPLETED:
            raise CommandError(f"scan {scan.status}: {scan.error or run.error}")

    def _run(self, scan: Any) -> JobRun:
        with tqdm(total=0, unit=" hosts", file=sys.stderr, desc="scan", disable=None) as bar:

            def show(run: JobRun) -> None:
                bar.total, bar.n = run.progress_total, run.progress_done
                bar.set_postfix_str(run.message[:50])

            run = job_run_inline(
                kind="scanning.scan",
                title=f"CLI scan {scan.public_id}",
                establishment=scan.establishment,
                params={"scan_id": scan.pk},
                on_progress=show,
            )
        scan.job = run
        scan.save(update_fields=["job", "updated_at"])
        return run

    def _summary(self, scan: Any, findings: list[dict[str, Any]], run: JobRun) -> None:
        self.stderr.write(
            f"{scan.status}: {scan.hosts_up} live hosts, {scan.services_found} services, "
            f"{len(findings)} findings ({scan.findings_new} new, {scan.findings_fixed} fixed)"
        )
        for item in findings:
            where = f"{item['host']}:{item['port']}" if item["port"] else item["host"]
            self.stdout.write(
                f"{item['severity']:<8} {where:<22} {item['check']:<28} {item['title']}"
            )


def _establishment(value: str | None) -> Establishment:
    if not value:
        own = Establishment.objects.filter(is_operator_own=True).order_by("pk").first()
        if own is None:
            raise CommandError(
                "no operator-own establishment: run `rempart init` or pass --establishment FINESS"
            )
        return own
    found = Establishment.objects.filter(Q(finess_et=normalize(value)) | Q(slug=value)).first()
    if found is None:
        raise CommandError(f"no establishment with FINESS ET or URL name {value!r}")
    return found
