"""`rempart audit verify`: check the audit log's hash chain and name the first broken link."""

from __future__ import annotations

import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from tqdm import tqdm

from rempart.jobs.models import JobRun
from rempart.jobs.runner import job_run_inline


class Command(BaseCommand):
    help = "Audit log tools. `verify`: check the hash chain."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("action", choices=["verify"])

    def handle(self, *args: Any, **options: Any) -> None:
        with tqdm(total=0, unit=" entries", file=sys.stderr, disable=None) as bar:

            def show(run: JobRun) -> None:
                bar.total = run.progress_total
                bar.n = run.progress_done
                bar.refresh()

            run = job_run_inline(
                kind="audit.verify",
                title=_("Audit log verification (command line)"),
                on_progress=show,
            )
        result = run.result
        if run.status != "succeeded":
            raise CommandError(f"verification failed: {run.error}")
        if result["ok"]:
            self.stdout.write(
                self.style.SUCCESS(f"Audit chain intact: {result['checked']} entries.")
            )
            return
        self.stdout.write(
            self.style.ERROR(
                f"Audit chain broken at entry #{result['broken_at']}: {result['reason']}"
            )
        )
        raise CommandError("audit chain broken", returncode=2)
