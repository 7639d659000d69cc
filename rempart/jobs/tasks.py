"""Celery tasks of the jobs app (discovered by Celery's autodiscovery)."""

from celery import shared_task

from rempart.jobs.reaper import jobs_reap_expired
from rempart.jobs.runner import run_job_task

__all__ = ["reap_expired_jobs_task", "run_job_task"]


@shared_task(name="jobs.reap_expired")
def reap_expired_jobs_task() -> int:
    """Beat, every half lease: resume or fail the runs whose process died."""
    return len(jobs_reap_expired())
