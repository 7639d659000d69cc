"""Synchronisation against a local replay of the real sources (tests/replay.py, 127.0.0.1)."""

from __future__ import annotations

import datetime as dt
import itertools
import json
from typing import Any

import pytest
from django.conf import settings
from django.utils import timezone

from rempart.jobs.models import JobRun
from rempart.jobs.runner import job_run_inline
from rempart.threatwatch.models import Advisory, Cve, EpssScore, KevEntry, SourceStatus
from rempart.threatwatch.services import pending
from rempart.threatwatch.services.correlation import CorrelationSummary
from rempart.threatwatch.sync import HttpClient, catalog_sync, sync_settings
from rempart.threatwatch.tasks import sync_scheduled_task
from rempart.threatwatch.tests.replay import NVD_PATH, Fault, ReplayServer, Sleeps

pytestmark = pytest.mark.django_db
ALL_CVES = {
    "CVE-2020-8167",
    "CVE-2021-22903",
    "CVE-2024-5732",
    "CVE-2022-32746",
    "CVE-2024-23113",
    "CVE-2021-0002",
}


def nvd(server: ReplayServer, sleeps: Sleeps | None = None) -> dict[str, Any]:
    client = HttpClient(sync_settings(), sleep=Sleeps() if sleeps is None else sleeps)
    return catalog_sync(sources=["nvd"], client=client)["sources"]["nvd"]


def test_nvd_first_sync_pages_through_everything(server: ReplayServer) -> None:
    # when
    result = nvd(server)
    # then
    assert not result["failed"]
    assert set(Cve.objects.values_list("cve_id", flat=True)) == ALL_CVES
    assert [r.query for r in server.of(NVD_PATH)] == [
        {"startIndex": "0", "resultsPerPage": "2"},
        {"startIndex": "2", "resultsPerPage": "2"},
        {"startIndex": "4", "resultsPerPage": "2"},
    ]
    status = SourceStatus.objects.get(source="nvd")
    assert status.cursor == ""
    assert status.last_success_at is not None
    assert (status.records, status.last_added) == (6, 6)


def test_nvd_api_key_header_and_pace(server: ReplayServer, monkeypatch: pytest.MonkeyPatch) -> None:
    # given
    monkeypatch.setenv("REMPART_INTEL_NVD_API_KEY", "test-key")
    monkeypatch.delenv("REMPART_INTEL_NVD_DELAY")
    sleeps = Sleeps()
    # when
    nvd(server, sleeps)
    # then: the key is sent, and requests are 0.6 s apart (the keyed rate)
    assert {r.headers.get("apikey") for r in server.of(NVD_PATH)} == {"test-key"}
    assert len(sleeps) == 2
    assert all(0 < s <= 0.6 for s in sleeps)
    assert sync_settings().nvd_delay == 0.6
    monkeypatch.delenv("REMPART_INTEL_NVD_API_KEY")
    assert sync_settings().nvd_delay == 6.0


def test_nvd_incremental_sync_uses_120_day_windows(server: ReplayServer) -> None:
    # given: a last success on 2024-01-01
    last = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
    SourceStatus.objects.create(source="nvd", last_success_at=last)
    # when
    nvd(server)
    # then: only the CVEs modified since then
    assert set(Cve.objects.values_list("cve_id", flat=True)) == {"CVE-2024-5732", "CVE-2024-23113"}
    windows = [
        (
            dt.datetime.fromisoformat(r.query["lastModStartDate"]),
            dt.datetime.fromisoformat(r.query["lastModEndDate"]),
        )
        for r in server.of(NVD_PATH)
    ]
    assert windows[0][0] == last - dt.timedelta(hours=1)
    assert all(end - start <= dt.timedelta(days=120) for start, end in windows)
    assert all(a[1] == b[0] for a, b in itertools.pairwise(windows))
    assert timezone.now() - windows[-1][1] < dt.timedelta(minutes=5)
    assert SourceStatus.objects.get(source="nvd").last_success_at == windows[-1][1]


def test_nvd_retries_429_503_and_truncated_bodies(server: ReplayServer) -> None:
    # given
    server.fail(
        NVD_PATH,
        Fault(429, {"Retry-After": "0"}),
        Fault(503),
        Fault(announced=True),  # connection closed before the announced length
        Fault(announced=False),  # complete answer, JSON cut
    )
    sleeps = Sleeps()
    # when
    result = nvd(server, sleeps)
    # then
    assert not result["failed"]
    assert set(Cve.objects.values_list("cve_id", flat=True)) == ALL_CVES
    assert len(server.of(NVD_PATH)) == 4 + 3
    assert sleeps == [0.0, 0.02, 0.04, 0.08]  # Retry-After, then exponential backoff


def test_nvd_resumes_after_a_cut_from_its_cursor(server: ReplayServer) -> None:
    # given: the second page keeps failing
    server.fail(NVD_PATH, *[Fault(500, match={"startIndex": "2"}) for _ in range(5)])
    # when
    first = nvd(server)
    # then: the first page is kept, the cursor points at the second
    assert "HTTP 500" in first["failed"]
    assert Cve.objects.count() == 2
    status = SourceStatus.objects.get(source="nvd")
    assert json.loads(status.cursor)["i"] == 2
    assert status.last_success_at is None
    # when: the server is back
    server.requests.clear()
    second = nvd(server)
    # then
    assert not second["failed"]
    assert [r.query["startIndex"] for r in server.of(NVD_PATH)] == ["2", "4"]
    assert set(Cve.objects.values_list("cve_id", flat=True)) == ALL_CVES
    status.refresh_from_db()
    assert status.cursor == ""
    assert status.last_success_at is not None


def test_sync_correlates_the_changed_cves(
    server: ReplayServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given
    calls: list[Any] = []

    def correlate(**kwargs: Any) -> CorrelationSummary:
        calls.append(kwargs)
        return CorrelationSummary()

    monkeypatch.setattr(pending, "correlate_catalog_change", correlate)
    # when
    nvd(server)
    nvd(server)  # nothing new the second time
    # then
    assert len(calls) == 1
    assert set(calls[0]["cve_ids"]) == ALL_CVES


def test_kev_epss_and_certfr(server: ReplayServer) -> None:
    # given
    server.fail("/epss_scores-current.csv.gz", Fault(announced=False))  # a cut gzip
    server.routes.pop("/alerte/CERTFR-2024-ALE-009/json/")  # a document gone missing
    # when
    result = catalog_sync(
        sources=["kev", "epss", "certfr"], client=HttpClient(sync_settings(), sleep=Sleeps())
    )
    # then
    assert result["failed"] == []
    assert KevEntry.objects.count() == 10
    assert EpssScore.objects.get(cve_id="CVE-1999-0005").score_date == dt.date(2025, 2, 20)
    assert len(server.of("/epss_scores-current.csv.gz")) == 2
    assert list(Advisory.objects.values_list("reference", flat=True)) == ["CERTFR-2025-AVI-0001"]
    problems = result["sources"]["certfr"]["problems"]
    assert problems[0]["file"].endswith("/alerte/CERTFR-2024-ALE-009/json/")
    assert "HTTP 404" in problems[0]["reason"]
    for source in ("kev", "epss", "certfr"):
        assert SourceStatus.objects.get(source=source).last_success_at is not None


def test_a_source_that_fails_does_not_stop_the_others(server: ReplayServer) -> None:
    # given
    server.fail("/kev.json", *[Fault(503) for _ in range(5)])
    # when
    result = catalog_sync(sources=["kev", "epss"], client=HttpClient(sync_settings(), Sleeps()))
    # then
    assert result["failed"] == ["kev"]
    assert EpssScore.objects.count() == 5
    status = SourceStatus.objects.get(source="kev")
    assert "HTTP 503" in status.last_errors[0]["reason"]
    assert status.last_success_at is None


def test_sync_runs_as_a_job(server: ReplayServer) -> None:
    # when
    run = job_run_inline(kind="threatwatch.sync", title="sync", params={"sources": ["kev"]})
    # then
    assert run.status == "succeeded"
    assert run.result["sources"]["kev"]["sources"]["kev"]["added"] == 10


def test_scheduled_task_queues_a_sync_job_and_beat_runs_it() -> None:
    # when
    sync_scheduled_task(["nvd"])
    # then
    assert JobRun.objects.filter(kind="threatwatch.sync", status="queued").count() == 1
    entries = [
        e
        for e in settings.CELERY_BEAT_SCHEDULE.values()
        if e["task"] == "threatwatch.sync_scheduled"
    ]
    assert sorted(e["schedule"] for e in entries) == [2 * 3600.0, 24 * 3600.0]
