"""`rempart jobs list` and `rempart jobs watch ID`: follow a job with a progress bar."""

from __future__ import annotations

import sys
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from rempart.jobs.models import JobRun


class Command(BaseCommand):
    help = "List recent jobs, or watch one until it finishes."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("action", choices=["list", "watch"])
        parser.add_argument("job_id", nargs="?")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "list":
            for run in JobRun.objects.all()[:30]:
                self.stdout.write(
                    f"{run.public_id}  {run.status:<10} {run.percent:>3}%  {run.title}"
                )
            return
        found = JobRun.objects.filter(public_id=options["job_id"]).first()
        if found is None:
            raise CommandError(f"no job {options['job_id']}")
        run = found
        with tqdm(total=run.progress_total or None, file=sys.stderr, desc=run.title) as bar:
            while True:
                run.refresh_from_db()
                bar.total, bar.n = run.progress_total or None, run.progress_done
                bar.set_postfix_str(run.message[:40])
                if run.is_finished:
                    break
                time.sleep(0.5)
        self.stdout.write(f"{run.status}: {run.error or run.result}")
        if run.status != "succeeded":
            raise CommandError(run.status, returncode=1)
