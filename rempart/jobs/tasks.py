"""Celery tasks of the jobs app (discovered by Celery's autodiscovery)."""

from rempart.jobs.runner import run_job_task

__all__ = ["run_job_task"]
