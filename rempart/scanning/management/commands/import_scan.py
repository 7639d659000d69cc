"""`rempart import_scan FILE --establishment FINESS`: import an nmap XML report.

The report is checked whole first (a malformed one is refused, nothing stored), then
written in batches with a progress bar, as the `scanning.import` job the web import queues.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from tqdm import tqdm

from rempart.core.errors import ApplicationError
from rempart.jobs.models import JobRun
from rempart.jobs.runner import job_run_inline
from rempart.scanning.management.commands.scan import _establishment
from rempart.scanning.services.imports import report_import_request


class Command(BaseCommand):
    help = "Import an nmap XML report into an establishment's inventory."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--establishment", help="FINESS ET or URL name (default: own IT).")

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(_("%(path)s: no such file") % {"path": path})
        establishment = _establishment(options.get("establishment"))
        try:
            with path.open("rb") as upload:
                scan = report_import_request(
                    establishment=establishment,
                    upload=upload,
                    filename=path.name,
                    actor=None,
                    enqueue=False,
                )
        except ApplicationError as exc:
            raise CommandError(str(exc.message)) from exc
        run = self._run(scan, path.name)
        scan.refresh_from_db()
        if run.status != "succeeded":
            raise CommandError(
                _("import %(status)s: %(error)s")
                % {"status": run.get_status_display(), "error": scan.error or run.error}
            )
        self.stdout.write(
            _("imported %(hosts)d hosts and %(services)d services (scan %(scan)s)")
            % {"hosts": scan.hosts_up, "services": scan.services_found, "scan": scan.public_id}
        )
        if scan.error:
            self.stdout.write(scan.error)

    @staticmethod
    def _run(scan: Any, filename: str) -> JobRun:
        with tqdm(total=0, unit=" hosts", file=sys.stderr, desc="import", disable=None) as bar:

            def show(run: JobRun) -> None:
                bar.total, bar.n = run.progress_total, run.progress_done
                bar.refresh()

            run = job_run_inline(
                kind="scanning.import",
                title=_("Import of %(file)s") % {"file": filename},
                establishment=scan.establishment,
                params={"scan_id": scan.pk},
                on_progress=show,
            )
        scan.job = run
        scan.save(update_fields=["job", "updated_at"])
        return run
