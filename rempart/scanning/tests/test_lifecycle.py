"""The findings lifecycle: deduplication, coverage-aware fixing, reopening, sticky decisions."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from rempart.engine.model import Coverage, Host, ScanResult, Service
from rempart.engine.model import Finding as EFinding
from rempart.scanning.choices import FindingStatus
from rempart.scanning.models import Asset, Finding, Observation
from rempart.scanning.services.findings import (
    acceptances_expire,
    finding_accept_risk,
    finding_mark_false_positive,
)
from rempart.scanning.services.results import scan_result_import
from rempart.scanning.tests.factories import ScanFactory

pytestmark = pytest.mark.django_db
REDIS = ("127.0.0.2", 6379, "redis.no-auth")
FTP = ("127.0.0.3", 21, "ftp.anonymous-login")


def _result(
    findings: list[tuple[str, int, str]],
    *,
    up: list[str] | None = None,
    tcp: str = "21,22,6379",
    evidence: str = "INFO answered",
    closed: set[tuple[str, int]] = frozenset(),
) -> ScanResult:  # type: ignore[assignment]
    up = up if up is not None else ["127.0.0.2", "127.0.0.3"]
    ports = {"127.0.0.2": [6379, 22], "127.0.0.3": [21]}
    hosts = [
        Host(
            address=a,
            services=[
                Service(port=p, protocol="tcp", name="x") for p in ports[a] if (a, p) not in closed
            ],
        )
        for a in up
    ]
    checks = [
        {"host": h.address, "port": s.port, "protocol": "tcp", "check": c, "status": "ok"}
        for h in hosts
        for s in h.services
        for c in ("redis.no-auth", "ftp.anonymous-login")
    ]
    return ScanResult(
        job_id="t",
        policy="standard",
        started_at=timezone.now().isoformat(),
        hosts=hosts,
        findings=[
            EFinding(
                check=c,
                host=a,
                port=p,
                protocol="tcp",
                title="t",
                title_fr="t",
                severity="high",
                confidence="confirmed",
                evidence=evidence,
            )
            for a, p, c in findings
            if a in up and (a, p) not in closed
        ],
        coverage=Coverage(
            hosts_targeted=["127.0.0.2", "127.0.0.3"], hosts_up=up, tcp_ports=tcp, checks=checks
        ),
    )


@pytest.fixture
def scan(establishment_a: Any) -> Any:
    def make() -> Any:
        return ScanFactory(establishment=establishment_a, targets="127.0.0.2\n127.0.0.3")

    return make


def _statuses(establishment: Any) -> dict[str, str]:
    return {f.check_id: f.status for f in Finding.objects.filter(establishment=establishment)}


def test_first_scan_creates_assets_services_and_new_findings(
    scan: Any, establishment_a: Any
) -> None:
    summary = scan_result_import(scan=scan(), result=_result([REDIS, FTP]))
    assert summary.new == 2
    assert Asset.objects.filter(establishment=establishment_a).count() == 2
    finding = Finding.objects.get(check_id="redis.no-auth")
    assert finding.status == FindingStatus.NEW
    assert finding.due_at - finding.first_seen == dt.timedelta(days=30)  # high: 30 days


def test_ten_rescans_of_an_unchanged_network_change_nothing(
    scan: Any, establishment_a: Any
) -> None:
    scan_result_import(scan=scan(), result=_result([REDIS, FTP]))
    for index in range(10):
        summary = scan_result_import(
            scan=scan(), result=_result([REDIS, FTP], evidence=f"run {index}")
        )
        assert (summary.new, summary.fixed, summary.reopened) == (0, 0, 0)
    assert Finding.objects.filter(establishment=establishment_a).count() == 2
    assert set(_statuses(establishment_a).values()) == {FindingStatus.OPEN}
    assert Observation.objects.filter(result="present").count() == 22


def test_host_down_or_port_not_scanned_changes_nothing(scan: Any, establishment_a: Any) -> None:
    scan_result_import(scan=scan(), result=_result([REDIS, FTP]))
    down = scan_result_import(scan=scan(), result=_result([FTP], up=["127.0.0.3"]))
    subset = scan_result_import(scan=scan(), result=_result([FTP], tcp="21"))
    assert down.fixed == subset.fixed == 0
    assert _statuses(establishment_a)["redis.no-auth"] == FindingStatus.NEW
    assert Observation.objects.filter(result="not_covered").count() == 2


def test_failed_check_does_not_fix(scan: Any, establishment_a: Any) -> None:
    scan_result_import(scan=scan(), result=_result([REDIS]))
    result = _result([])
    for entry in result.coverage.checks:
        entry["status"] = "error: TimeoutError"
    assert scan_result_import(scan=scan(), result=result).fixed == 0


def test_fixed_when_covered_and_reopened_when_back(scan: Any, establishment_a: Any) -> None:
    scan_result_import(scan=scan(), result=_result([REDIS, FTP]))
    fixed = scan_result_import(scan=scan(), result=_result([FTP]))  # redis password set
    assert fixed.fixed == 1
    finding = Finding.objects.get(check_id="redis.no-auth")
    assert finding.status == FindingStatus.FIXED
    assert finding.fixed_at is not None
    back = scan_result_import(scan=scan(), result=_result([REDIS, FTP]))
    assert back.reopened == 1
    finding.refresh_from_db()
    assert finding.status == FindingStatus.REOPENED
    assert finding.reopen_count == 1
    assert [e.to_status for e in finding.events.order_by("created_at")] == [
        "new",
        "fixed",
        "reopened",
    ]


def test_closed_port_means_fixed(scan: Any, establishment_a: Any) -> None:
    scan_result_import(scan=scan(), result=_result([REDIS]))
    summary = scan_result_import(scan=scan(), result=_result([], closed={("127.0.0.2", 6379)}))
    assert summary.fixed == 1


def test_decisions_are_sticky(scan: Any, establishment_a: Any, personas: dict[str, Any]) -> None:
    scan_result_import(scan=scan(), result=_result([REDIS, FTP]))
    redis = Finding.objects.get(check_id="redis.no-auth")
    ftp = Finding.objects.get(check_id="ftp.anonymous-login")
    finding_mark_false_positive(finding=redis, actor=personas["alice"], reason="honeypot")
    finding_accept_risk(
        finding=ftp,
        actor=personas["alice"],
        reason="migration en cours",
        until=timezone.localdate() + dt.timedelta(days=30),
    )
    scan_result_import(scan=scan(), result=_result([REDIS, FTP]))
    scan_result_import(scan=scan(), result=_result([]))
    assert _statuses(establishment_a) == {
        "redis.no-auth": "false_positive",
        "ftp.anonymous-login": "accepted",
    }


def test_expired_acceptance_reopens(
    scan: Any, establishment_a: Any, personas: dict[str, Any]
) -> None:
    scan_result_import(scan=scan(), result=_result([FTP]))
    ftp = Finding.objects.get()
    finding_accept_risk(
        finding=ftp,
        actor=personas["alice"],
        reason="x",
        until=timezone.localdate() + dt.timedelta(days=1),
    )
    Finding.objects.filter(pk=ftp.pk).update(
        accepted_until=timezone.localdate() - dt.timedelta(days=1)
    )
    assert acceptances_expire() == 1
    ftp.refresh_from_db()
    assert ftp.status == FindingStatus.REOPENED


def test_out_of_scope_results_are_ignored(establishment_a: Any) -> None:
    scan = ScanFactory(establishment=establishment_a, targets="127.0.0.2")
    summary = scan_result_import(scan=scan, result=_result([REDIS, FTP]))
    assert summary.dropped == ["127.0.0.3"]
    assert not Asset.objects.filter(address="127.0.0.3").exists()
    scan.refresh_from_db()
    assert "127.0.0.3" in scan.error


def test_other_establishments_findings_are_untouched(scan: Any, establishment_b: Any) -> None:
    other = ScanFactory(establishment=establishment_b, targets="127.0.0.2\n127.0.0.3")
    scan_result_import(scan=other, result=_result([REDIS]))
    scan_result_import(scan=scan(), result=_result([]))
    assert Finding.objects.get(establishment=establishment_b).status == FindingStatus.NEW
