"""The scan page once the scan has ended: no stale progress or cancel button, the findings
(titles, links, most severe first), the hosts and services seen, real plurals; an import that
failed or was cancelled can be resumed from it."""

from __future__ import annotations

import gzip
import json
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.test import Client

from rempart.scanning.models import Finding, Scan
from rempart.scanning.services.results import scan_result_import
from rempart.scanning.tests.factories import ScanFactory, ScopeFactory
from rempart.scanning.tests.test_imports import checked_report
from rempart.scanning.tests.test_lifecycle import _result

pytestmark = pytest.mark.django_db


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _finished_scan(establishment: Any) -> Scan:
    scan: Scan = ScanFactory(establishment=establishment, targets="127.0.0.2\n127.0.0.3")
    result = _result(
        [("127.0.0.2", 6379, "redis.no-auth"), ("127.0.0.3", 21, "ftp.anonymous-login")]
    )
    result.findings[0].severity = "medium"
    result.findings[1].severity = "critical"
    result.hosts = result.hosts[:1]  # one host only: "1 hôte", not "1 hôtes"
    result.hosts[0].services = result.hosts[0].services[:1]
    scan.result_file.save(
        "r.json.gz", ContentFile(gzip.compress(json.dumps(result.to_dict()).encode()))
    )
    result.hosts = _result([]).hosts  # the lifecycle sees both hosts
    scan_result_import(scan=scan, result=result)
    scan.refresh_from_db()
    return scan


def test_a_finished_scan_page(alice: Any, establishment_a: Any) -> None:
    scan = _finished_scan(establishment_a)
    url = f"/e/ch-alpha/scans/{scan.public_id}/"
    for page in (
        _client(alice).get(url).content.decode(),
        _client(alice).get(url, headers={"HX-Request": "true"}).content.decode(),
    ):
        assert "hx-trigger" not in page  # nothing polls any more
        assert "Annuler le scan" not in page
        assert "<progress" not in page
        # the checks' French titles, by check id
        ftp, redis = page.index("Connexion FTP anonyme"), page.index("Redis accepte")
        assert ftp < redis  # critical before medium
        finding = Finding.objects.get(check_id="ftp.anonymous-login")
        assert f'href="/e/ch-alpha/findings/{finding.public_id}/"' in page
        assert "Hôtes et services vus" in page
        assert "6379/tcp" in page
        assert "2 hôtes en ligne" in page
        assert "2 nouvelles vulnérabilités" in page


def test_a_running_scan_polls_and_can_be_cancelled(alice: Any, establishment_a: Any) -> None:
    scan = ScanFactory(establishment=establishment_a, status="running")
    page = _client(alice).get(f"/e/ch-alpha/scans/{scan.public_id}/").content.decode()
    assert 'hx-trigger="every 2s"' in page
    assert "Annuler le scan" in page


def test_a_cancelled_import_is_resumed_from_its_page(
    alice: Any, establishment_a: Any, django_capture_on_commit_callbacks: Any, tmp_path: Any
) -> None:
    ScopeFactory(establishment=establishment_a, targets="10.20.0.0/16")
    path = tmp_path / "r.xml"
    scan = checked_report(establishment_a, path, hosts=20, actor=alice)
    scan.status = "cancelled"
    scan.save()
    client = _client(alice)
    page = client.get(f"/e/ch-alpha/scans/{scan.public_id}/").content.decode()
    assert f'action="/e/ch-alpha/scans/{scan.public_id}/resume/"' in page
    assert "Reprendre" in page
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/e/ch-alpha/scans/{scan.public_id}/resume/")
    scan.refresh_from_db()
    assert (scan.status, scan.hosts_up) == ("completed", 20)
    assert scan.job is not None
    assert scan.job.status == "succeeded"
