"""Jobs: the JobRun lifecycle, live status page, cancellation and visibility."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.utils import translation

from rempart.core.errors import ApplicationError
from rempart.jobs.models import JobError, JobRun, JobStatus
from rempart.jobs.runner import JobContext, JobFailedError, job, job_run_inline
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


@job("tests.refused")
def _refused(context: JobContext, *, why: str) -> None:
    if why == "application":
        raise ApplicationError("Le périmètre est vide.")
    raise JobFailedError("Le support n'est pas monté.")


@job("tests.described", describe=lambda run: f"{run.result['count']} lignes écrites.")
def _described(context: JobContext) -> dict[str, Any]:
    return {"count": 3, "files": ["a.csv"]}


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


def test_failure_is_recorded_in_french_with_its_details_in_the_log() -> None:
    with translation.override("fr"):
        run = job_run_inline(kind="tests.boom", title="boom")
    run.refresh_from_db()
    assert run.status == JobStatus.FAILED
    assert run.error == "Erreur inattendue\u00a0: le détail est dans le journal de la tâche."
    assert "Traceback" in run.log
    assert "RuntimeError: disk full" in run.log


@pytest.mark.parametrize(
    ("why", "shown"),
    [("application", "Le périmètre est vide."), ("job", "Le support n'est pas monté.")],
)
def test_a_reason_given_by_the_job_is_shown_without_an_exception_name(why: str, shown: str) -> None:
    with translation.override("fr"):
        run = job_run_inline(kind="tests.refused", title="refused", params={"why": why})
    assert run.status == JobStatus.FAILED
    assert run.error == shown
    assert "Error" not in run.error


def test_a_result_is_shown_in_words_never_as_a_python_repr(
    personas: dict[str, Any], establishment_a: Any
) -> None:
    described = job_run_inline(
        kind="tests.described", title="described", establishment=establishment_a
    )
    counted = job_run_inline(
        kind="tests.count", title="counted", establishment=establishment_a, params={"upto": 2}
    )
    client = Client()
    client.force_login(personas["bob"])
    page = client.get(f"/jobs/{described.public_id}/").content.decode()
    assert "3 lignes écrites." in page
    assert "{'" not in page
    assert "a.csv" not in page
    # a kind without words for its result shows none (its JSON stays for the API)
    page = client.get(f"/jobs/{counted.public_id}/").content.decode()
    assert "{'" not in page
    assert "counted" not in page.split("job-status")[1].split("log-output")[0]


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
