"""Jobs: the JobRun lifecycle, live status page, cancellation and visibility."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from rempart.jobs.models import JobError, JobRun, JobStatus
from rempart.jobs.runner import JobContext, job, job_run_inline
from rempart.jobs.tests.factories import JobRunFactory

pytestmark = pytest.mark.django_db


@job("tests.count")
def _count(context: JobContext, *, upto: int) -> dict[str, Any]:
    for step in range(1, upto + 1):
        context.check_cancelled()
        context.progress(step, upto, message=f"step {step}")
    context.log("counted")
    return {"counted": upto}


@job("tests.boom")
def _boom(context: JobContext) -> None:
    raise RuntimeError("disk full")


def test_inline_run_reports_progress_and_result() -> None:
    seen: list[int] = []
    run = job_run_inline(
        kind="tests.count",
        title="count",
        params={"upto": 3},
        on_progress=lambda r: seen.append(r.progress_done),
    )
    assert seen == [1, 2, 3]
    run.refresh_from_db()
    assert run.status == JobStatus.SUCCEEDED
    assert run.result == {"counted": 3}
    assert run.percent == 100
    assert "counted" in run.log
    assert run.started_at
    assert run.finished_at


def test_failure_is_recorded() -> None:
    run = job_run_inline(kind="tests.boom", title="boom")
    run.refresh_from_db()
    assert run.status == JobStatus.FAILED
    assert run.error == "RuntimeError: disk full"
    assert "Traceback" in run.log


def test_live_page_polls_until_finished(personas: dict[str, Any], establishment_a: Any) -> None:
    run = JobRunFactory(
        establishment=establishment_a, status=JobStatus.RUNNING, progress_done=2, progress_total=4
    )
    client = Client()
    client.force_login(personas["bob"])
    partial = client.get(f"/jobs/{run.public_id}/", HTTP_HX_REQUEST="true")
    content = partial.content.decode()
    assert 'hx-trigger="every 1s"' in content
    assert 'value="50"' in content
    JobRun.objects.filter(pk=run.pk).update(status=JobStatus.SUCCEEDED)
    done = client.get(f"/jobs/{run.public_id}/", HTTP_HX_REQUEST="true").content.decode()
    assert "hx-trigger" not in done


def test_cancellation(personas: dict[str, Any], establishment_a: Any) -> None:
    run = JobRunFactory(establishment=establishment_a, status=JobStatus.RUNNING)
    viewer = Client()
    viewer.force_login(personas["bob"])
    assert viewer.post(f"/jobs/{run.public_id}/cancel/").status_code == 404
    referent = Client()
    referent.force_login(personas["alice"])
    assert referent.post(f"/jobs/{run.public_id}/cancel/").status_code == 302
    run.refresh_from_db()
    assert run.cancel_requested


def test_platform_jobs_are_for_staff(personas: dict[str, Any]) -> None:
    run = JobRunFactory(establishment=None)
    assert not JobRun.objects.visible_to(personas["alice"]).filter(pk=run.pk).exists()
    assert JobRun.objects.visible_to(personas["analyst"]).filter(pk=run.pk).exists()
    mine = JobRunFactory(establishment=None, actor=personas["alice"])
    assert JobRun.objects.visible_to(personas["alice"]).filter(pk=mine.pk).exists()


def test_page_says_why_a_job_ended_in_french(
    personas: dict[str, Any], establishment_a: Any
) -> None:
    run = JobRunFactory(
        establishment=establishment_a,
        status=JobStatus.FAILED,
        error="The process running this job stopped before the end (killed or crashed).",
        error_code=JobError.WORKER_LOST,
    )
    client = Client()
    client.force_login(personas["bob"])

    page = client.get(f"/jobs/{run.public_id}/").content.decode()

    assert "Le processus qui exécutait cette tâche" in page
    assert "The process running this job" not in page
