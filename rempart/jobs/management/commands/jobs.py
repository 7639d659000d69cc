"""`rempart jobs list` and `rempart jobs watch ID`: follow a job with a progress bar.

`watch` returns when the job ends, or when it finds the job's process dead (its lease
expired): the job is then resumed or marked failed, as the scheduler would do.
"""

from __future__ import annotations

import sys
import time
from typing import Any
from uuid import UUID

from django.core.management.base import BaseCommand, CommandError
from django.utils.html import strip_tags
from tqdm import tqdm

from rempart.jobs.lease import is_expired
from rempart.jobs.models import JobRun, JobStatus
from rempart.jobs.reaper import job_reap

POLL_SECONDS = 0.5


class Command(BaseCommand):
    help = "List recent jobs, or watch one until it finishes."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("action", choices=["list", "watch"])
        parser.add_argument("job_id", nargs="?", help="the job's id (watch)")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "list":
            if options["job_id"]:
                raise CommandError("`rempart jobs list` takes no job id (`watch ID` follows one)")
            for run in JobRun.objects.all()[:30]:
                self.stdout.write(
                    f"{run.public_id}  {run.status:<10} {run.percent:>3}%  {run.title}"
                )
            return
        run = _find(options["job_id"])
        _follow(run)
        outcome = run.error or strip_tags(run.result_display)
        self.stdout.write(f"{run.status}: {outcome}" if outcome else run.status)
        if run.status != JobStatus.SUCCEEDED:
            raise CommandError(f"job {run.status}", returncode=1)


def _find(job_id: str | None) -> JobRun:
    if not job_id:
        raise CommandError("give the id of the job to watch (`rempart jobs list` shows them)")
    try:
        public_id = UUID(job_id)
    except ValueError as exc:
        raise CommandError(f"{job_id!r} is not a job id (`rempart jobs list` shows them)") from exc
    found = JobRun.objects.filter(public_id=public_id).first()
    if found is None:
        raise CommandError(f"no job {job_id}")
    return found


def _follow(run: JobRun) -> None:
    with tqdm(total=run.progress_total or None, file=sys.stderr, desc=run.title) as bar:
        while True:
            run.refresh_from_db()
            bar.total, bar.n = run.progress_total or None, run.progress_done
            bar.set_postfix_str(run.message[:40])
            if run.is_finished:
                return
            if is_expired(run):  # its process died: resume or fail it now
                bar.write(f"the process running this job ({run.worker}) stopped")
                job_reap(run)
                continue
            time.sleep(POLL_SECONDS)
