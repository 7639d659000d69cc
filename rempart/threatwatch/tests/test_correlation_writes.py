"""Re-correlation writes only what changed; a catalog update never pretends to have seen a host."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from rempart.scanning.models import Finding
from rempart.scanning.tests.factories import ServiceFactory
from rempart.threatwatch.models import Cve
from rempart.threatwatch.services.correlation import correlate_catalog_change, correlate_services
from rempart.threatwatch.tests.catalog import cve, real_catalog, rule

pytestmark = pytest.mark.django_db

LONG_AGO = timezone.now() - dt.timedelta(days=40)


@pytest.fixture
def nginx(establishment_a: Any) -> Any:
    real_catalog()
    # the ngx_http_mp4_module memory disclosure, published with CVE-2022-41741
    rule(
        cve("CVE-2022-41742", cvss=7.1),
        "f5",
        "nginx",
        start_including="1.1.3",
        end_excluding="1.22.1",
    )
    web = ServiceFactory(
        establishment=establishment_a,
        port=80,
        product="nginx",
        version="1.22.0",
        cpe="cpe:/a:igor_sysoev:nginx:1.22.0",
    )
    assert correlate_services([web]).created == 2
    Finding.objects.filter(check_id="cve").update(last_seen=LONG_AGO, updated_at=LONG_AGO)
    return web


def test_catalog_recorrelation_rewrites_nothing_when_nothing_changed(nginx: Any) -> None:
    with CaptureQueriesContext(connection) as queries:
        summary = correlate_catalog_change()
    assert summary.matched >= 1
    assert summary.created == summary.closed == 0
    assert not [q for q in queries.captured_queries if q["sql"].startswith("UPDATE")]
    for finding in Finding.objects.filter(check_id="cve"):
        assert finding.last_seen == LONG_AGO  # the host was not seen again
        assert finding.updated_at == LONG_AGO


def test_catalog_change_updates_only_the_findings_it_concerns(nginx: Any) -> None:
    finding = Finding.objects.get(key="CVE-2022-41741")
    Cve.objects.filter(cve_id="CVE-2022-41741").update(known_exploited=True)
    correlate_catalog_change(cve_ids=["CVE-2022-41741"])
    finding.refresh_from_db()
    assert finding.known_exploited
    assert finding.priority == 1
    assert finding.updated_at > LONG_AGO
    assert finding.last_seen == LONG_AGO
    untouched = list(Finding.objects.filter(check_id="cve").exclude(pk=finding.pk))
    assert untouched
    assert all(other.updated_at == LONG_AGO for other in untouched)


def test_a_scan_moves_last_seen(nginx: Any) -> None:
    correlate_services([nginx])
    for finding in Finding.objects.filter(check_id="cve"):
        assert finding.last_seen > LONG_AGO


def test_a_rescan_observes_the_version_findings_again(
    personas: dict[str, Any], establishment_a: Any
) -> None:
    """The second import of the same nmap report keeps Redis 7.0.15's CVE present in that
    scan's findings (it was recorded "not covered" by the scan, which hid it from the export),
    and PostgreSQL's "9.6.0 or later" is matched to nothing."""
    from django.core.management import call_command

    from rempart.scanning.models import Scan
    from rempart.scanning.selectors import scan_findings_export
    from rempart.scanning.tests.factories import ScopeFactory
    from rempart.scanning.tests.test_imports import REPORT

    rule(cve("CVE-2025-21605", cvss=7.5, epss=0.12), "redis", "redis", end_excluding="7.2.8")
    rule(cve("CVE-2019-10208", cvss=8.8), "postgresql", "postgresql", end_excluding="11.5")
    ScopeFactory(establishment=establishment_a, targets="127.0.0.1")
    for _ in range(2):
        call_command("import_scan", str(REPORT), establishment="ch-alpha")
    first, second = Scan.objects.order_by("created_at")
    for scan in (first, second):
        versions = [f for f in scan_findings_export(scan=scan) if f["check"] == "cve"]
        assert [(f["port"], f["cves"], f["epss"]) for f in versions] == [
            (6379, ["CVE-2025-21605"], 0.12)
        ]
    assert Finding.objects.get(key="CVE-2025-21605").status == "new"
