"""nmap report imports: real files fill the inventory; broken files store nothing."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction
from django.test import Client
from django.utils import timezone, translation

from bench.nmap_xml import report
from rempart.jobs.models import JobRun
from rempart.jobs.runner import job_run_inline
from rempart.scanning.models import Asset, Scan, Service
from rempart.scanning.services.imports import report_import, report_import_request
from rempart.scanning.tests.factories import AssetFactory, FindingFactory, ScopeFactory
from rempart.tenancy.models import Establishment

pytestmark = pytest.mark.django_db
REPORT = Path(__file__).parents[2] / "engine" / "tests" / "data" / "nmap-sv.xml"


def test_import_fills_the_inventory(
    personas: dict[str, Any], establishment_a: Any, django_capture_on_commit_callbacks: Any
) -> None:
    ScopeFactory(establishment=establishment_a, targets="127.0.0.1")
    client = Client()
    client.force_login(personas["alice"])
    with REPORT.open("rb") as handle, django_capture_on_commit_callbacks(execute=True):
        response = client.post("/e/ch-alpha/scans/import/", {"report": handle})
    scan = Scan.objects.get()
    assert response["Location"] == f"/e/ch-alpha/scans/{scan.public_id}/"
    assert scan.source == "nmap"
    assert scan.status == "completed"
    asset = Asset.objects.get(establishment=establishment_a, address="127.0.0.1")
    redis = Service.objects.get(asset=asset, port=6379)
    assert redis.name == "redis"
    assert redis.cpe.startswith("cpe:/a:")


@pytest.mark.parametrize("cut", [200, 1000, -300])
def test_truncated_report_is_refused_and_nothing_stored(
    personas: dict[str, Any], establishment_a: Any, cut: int
) -> None:
    ScopeFactory(establishment=establishment_a, targets="127.0.0.1")
    broken = REPORT.read_bytes()[:cut]
    path = Path(f"/tmp/rempart-broken-{cut}.xml")  # noqa: S108  (test file)
    path.write_bytes(broken)
    with pytest.raises(CommandError, match="Ce rapport nmap est illisible"):
        call_command("import_scan", str(path), establishment="ch-alpha")  # French by default
    with translation.override("en"), pytest.raises(CommandError, match="cannot be read"):
        call_command("import_scan", str(path), establishment="ch-alpha")
    assert not Scan.objects.exists()
    assert not Asset.objects.exists()


def test_hosts_outside_the_scopes_are_ignored(
    personas: dict[str, Any], establishment_a: Any, capsys: Any
) -> None:
    ScopeFactory(establishment=establishment_a, targets="10.0.0.0/24")
    call_command("import_scan", str(REPORT), establishment="ch-alpha")
    assert "127.0.0.1" in capsys.readouterr().out
    assert not Asset.objects.exists()


def checked_report(establishment: Any, path: Path, *, hosts: int, actor: Any = None) -> Scan:
    """A generated report of `hosts` hosts in 10.20.0.0/16, checked and waiting for its job."""
    path.write_bytes(report(hosts, "10.20.0.0/16"))
    with path.open("rb") as upload:
        return report_import_request(
            establishment=establishment, upload=upload, filename=path.name, actor=actor,
            enqueue=False,
        )  # fmt: skip


def _import(path: Path) -> Scan:
    call_command("import_scan", str(path), establishment="ch-alpha")
    return Scan.objects.order_by("-created_at").first()  # type: ignore[return-value]


def test_entity_declarations_are_refused_and_named(establishment_a: Any, tmp_path: Path) -> None:
    ScopeFactory(establishment=establishment_a, targets="127.0.0.1")
    hostile = tmp_path / "hostile.xml"
    hostile.write_bytes(
        b'<?xml version="1.0"?><!DOCTYPE nmaprun [<!ENTITY a "aaaaaaaaaa">'
        b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
        b'<nmaprun><host><address addr="127.0.0.1" addrtype="ipv4"/></host></nmaprun>'
    )
    with pytest.raises(CommandError) as caught:
        _import(hostile)
    assert "déclare une entité XML (a)" in str(caught.value)
    assert "tronqué" not in str(caught.value)
    assert not Scan.objects.exists()


def test_a_large_report_is_written_in_batches_and_again_identically(
    establishment_a: Any, tmp_path: Path
) -> None:
    # given a report of 1,200 hosts (several batches), 10 of them outside the scope
    ScopeFactory(establishment=establishment_a, targets="10.20.0.0/16")
    path = tmp_path / "big.xml"
    path.write_bytes(report(1200, "10.20.0.0/16"))
    path.write_bytes(path.read_bytes().replace(b'addr="10.20.0.1"', b'addr="10.99.0.1"'))
    expected_services = path.read_bytes().count(b"<port protocol=")
    # when
    first = _import(path)
    # then
    assert first.status == "completed"
    assert first.hosts_up == Asset.objects.count() == 1199
    assert "10.99.0.1" in first.error
    own = Service.objects.exclude(asset__address="10.99.0.1").count()
    assert first.services_found == own
    assert own + Service.objects.filter(asset__address="10.99.0.1").count() <= expected_services
    # when imported again, nothing is duplicated; a service gone from a known port closes
    path.write_bytes(path.read_bytes().replace(b'portid="9100"', b'portid="9101"', 1))
    again = _import(path)
    assert Asset.objects.count() == 1199
    assert again.services_found == first.services_found
    closed = Service.objects.filter(is_open=False)
    assert [(s.port, s.is_open) for s in closed] == [(9100, False)]
    assert Service.objects.filter(port=9101).count() == 1


def test_a_cancelled_import_changes_no_finding_and_can_be_resumed(
    establishment_a: Any, tmp_path: Path
) -> None:
    # given an open finding on a port the report shows closed
    ScopeFactory(establishment=establishment_a, targets="10.20.0.0/16")
    asset = AssetFactory(establishment=establishment_a, address="10.20.0.2")
    finding = FindingFactory(establishment=establishment_a, asset=asset, port=23, protocol="tcp")
    # (the report shows 10.20.0.2 with 445 and 3389 open; 23 is among its scanned ports)
    path = tmp_path / "big.xml"
    scan = checked_report(establishment_a, path, hosts=800)

    def cancel_after_first_batch(run: JobRun) -> None:
        if run.progress_done:
            JobRun.objects.filter(pk=run.pk).update(cancel_requested=True)

    # when the import is cancelled after its first batch
    run = job_run_inline(
        kind="scanning.import", title="t", establishment=establishment_a,
        params={"scan_id": scan.pk}, on_progress=cancel_after_first_batch,
    )  # fmt: skip
    # then the scan says so, some hosts are written, the finding is untouched
    scan.refresh_from_db()
    finding.refresh_from_db()
    assert (run.status, scan.status) == ("cancelled", "cancelled")
    assert 0 < Asset.objects.count() < 800
    assert finding.status == "new"
    assert not finding.observations.exists()
    # when the job runs again for the same scan, it completes without duplicates
    resumed = job_run_inline(
        kind="scanning.import", title="t", establishment=establishment_a,
        params={"scan_id": scan.pk},
    )  # fmt: skip
    scan.refresh_from_db()
    finding.refresh_from_db()
    assert (resumed.status, scan.status) == ("succeeded", "completed")
    assert Asset.objects.count() == scan.hosts_up == 800
    assert finding.status == "fixed"  # host seen, port 23 scanned and closed


@pytest.mark.django_db(transaction=True)
def test_another_writer_is_not_blocked_during_an_import(
    establishment_a: Any, tmp_path: Path
) -> None:
    # given a report of several batches, checked and queued
    ScopeFactory(establishment=establishment_a, targets="10.20.0.0/16")
    path = tmp_path / "big.xml"
    scan = checked_report(establishment_a, path, hosts=2500)
    stop, written, errors = threading.Event(), [], []

    def other_writer() -> None:  # e.g. a person editing the establishment meanwhile
        while not stop.is_set():
            try:
                with transaction.atomic():
                    Establishment.objects.filter(pk=establishment_a.pk).update(
                        updated_at=timezone.now()
                    )
                written.append(time.monotonic())
            except Exception as exc:
                errors.append(exc)
            time.sleep(0.02)
        connection.close()

    batches: list[float] = []
    writer = threading.Thread(target=other_writer)
    writer.start()
    # when the import runs
    try:
        run = job_run_inline(
            kind="scanning.import", title="t", establishment=establishment_a,
            params={"scan_id": scan.pk}, on_progress=lambda r: batches.append(time.monotonic()),
        )  # fmt: skip
    finally:
        stop.set()
        writer.join()
    # then the other writes went through between the import's batches, none failed
    assert run.status == "succeeded"
    assert errors == []
    assert len(batches) >= 2
    assert any(batches[0] < moment < batches[-1] for moment in written)


def test_an_import_in_process_returns_the_scan_and_its_summary(establishment_a: Any) -> None:
    ScopeFactory(establishment=establishment_a, targets="10.20.0.0/24")
    scan, summary = report_import(
        establishment=establishment_a, data=report(30, "10.20.0.0/24"), filename="r.xml",
        actor=None,
    )  # fmt: skip
    assert (scan.status, scan.hosts_up, summary.hosts) == ("completed", 30, 30)
    assert scan.job is None
