"""Version-to-CVE matching and correlation with the inventory, on real applicability data."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from rempart.scanning.models import Finding
from rempart.scanning.tests.factories import AssetFactory, ServiceFactory
from rempart.threatwatch.cpe import parse
from rempart.threatwatch.matching import lookup
from rempart.threatwatch.models import Alert
from rempart.threatwatch.services.correlation import (
    correlate_catalog_change,
    correlate_services,
)
from rempart.threatwatch.services.lookup import CpeLookupError, lookup_cpe23
from rempart.threatwatch.tests.catalog import cve, real_catalog, rule

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalog() -> None:
    real_catalog()


def _ids(text: str) -> dict[str, Any]:
    return {m.cve_id: m for m in lookup(parse(text))}


def test_ranges_and_exact_versions(catalog: None) -> None:
    assert set(_ids("cpe:2.3:a:openbsd:openssh:9.2:p1:*:*:*:*:*:*")) == {"CVE-2024-6387"}
    assert _ids("cpe:2.3:a:openbsd:openssh:9.8:p1:*:*:*:*:*:*") == {}
    assert set(_ids("cpe:2.3:a:openbsd:openssh:4.3:*:*:*:*:*:*:*")) == {"CVE-2024-6387"}
    httpd = _ids("cpe:2.3:a:apache:http_server:2.4.49:*:*:*:*:*:*:*")
    assert set(httpd) == {"CVE-2021-41773", "CVE-2099-0003"}  # the rejected one is gone
    assert httpd["CVE-2021-41773"].known_exploited
    assert httpd["CVE-2021-41773"].confidence == "firm"
    assert httpd["CVE-2099-0003"].confidence == "tentative"  # only on Windows
    assert set(_ids("cpe:2.3:a:f5:nginx:1.22.0:*:*:*:*:*:*:*")) == {"CVE-2022-41741"}
    assert _ids("cpe:2.3:a:f5:nginx:1.22.1:*:*:*:*:*:*:*") == {}


def test_cve5_rules(catalog: None) -> None:
    sonic = _ids("cpe:2.3:o:sonicwall:sonicos:7.1.1-7040:*:*:*:*:*:*:*")
    assert sonic["CVE-2024-22396"].source == "cve5-cna"
    assert "CVE-2099-0001" in _ids("cpe:2.3:a:example:widget:1.4.2-rc.1:*:*:*:*:*:*:*")
    assert _ids("cpe:2.3:a:example:widget:1.4.2:*:*:*:*:*:*:*") == {}


def test_nvd_wins_over_cna(catalog: None) -> None:
    record = cve("CVE-2099-0009")
    rule(
        record, "openbsd", "openssh", source="cve5-adp", start_including="9.0", end_excluding="9.9"
    )
    rule(record, "openbsd", "openssh", source="nvd", start_including="9.0", end_excluding="9.9")
    assert _ids("cpe:2.3:a:openbsd:openssh:9.3:*:*:*:*:*:*:*")["CVE-2099-0009"].source == "nvd"


def test_lookup_cli_contract(catalog: None, capsys: Any) -> None:
    call_command("intel", "lookup", "cpe:2.3:a:apache:http_server:2.4.49:*:*:*:*:*:*:*", "--json")
    rows = json.loads(capsys.readouterr().out)
    first = rows[0]
    assert first["cve"] == "CVE-2021-41773"
    assert first["known_exploited"] is True
    assert first["cvss"] == 7.5
    assert first["epss"] == 0.944
    assert first["confidence"] == "firm"
    assert first["source"] == "nvd"
    with pytest.raises(CpeLookupError, match="version"):
        lookup_cpe23("cpe:2.3:a:apache:http_server:*:*:*:*:*:*:*:*")
    with pytest.raises(CommandError):
        call_command("intel", "lookup", "apache httpd 2.4.49")


def test_correlation_distro_builds_are_tentative(catalog: None, establishment_a: Any) -> None:
    asset = AssetFactory(establishment=establishment_a, os_guess="Linux 5.x", criticality="high")
    ssh = ServiceFactory(
        establishment=establishment_a,
        asset=asset,
        port=22,
        name="ssh",
        product="OpenSSH",
        version="9.2p1 Debian 2+deb12u2",
        cpe="cpe:/a:openbsd:openssh:9.2p1",
    )
    web = ServiceFactory(
        establishment=establishment_a,
        asset=asset,
        port=80,
        name="http",
        product="Apache httpd",
        version="2.4.49",
    )
    summary = correlate_services([ssh, web])
    assert summary.created == 2  # CVE-2099-0003 needs Windows: the Linux host is spared
    regression = Finding.objects.get(key="CVE-2024-6387")
    assert regression.confidence == "tentative"
    assert regression.evidence == (
        "OpenSSH 9.2p1 Debian 2+deb12u2 — la règle NVD s'applique à la version 9.2p1. Paquet de "
        "distribution (Debian)\u00a0: les correctifs ont pu être rétroportés, une correspondance "
        "sur la seule version est donc à vérifier."
    )
    assert regression.check_id == "cve"
    traversal = Finding.objects.get(key="CVE-2021-41773")
    assert traversal.confidence == "firm"
    assert traversal.known_exploited
    assert traversal.priority == 1
    assert traversal.priority_reasons[0]["code"] == "kev"
    assert correlate_services([ssh, web]).created == 0  # idempotent


def test_bare_versions_on_a_distribution_host_are_tentative(
    catalog: None, establishment_a: Any
) -> None:
    """nginx says `nginx/1.22.0` even when it is Debian's package (fixes backported): on a host
    whose SSH banner says Debian, its version-only matches are tentative; alone, firm."""
    debian = AssetFactory(establishment=establishment_a, os_guess="Linux 5.x")
    ServiceFactory(
        establishment=establishment_a,
        asset=debian,
        port=22,
        product="OpenSSH",
        version="9.2p1 Debian 2+deb12u2",
        cpe="cpe:/a:openbsd:openssh:9.2p1",
    )
    alone = AssetFactory(establishment=establishment_a)
    webs = [
        ServiceFactory(
            establishment=establishment_a,
            asset=asset,
            port=443,
            product="nginx",
            version="1.22.0",
            cpe="cpe:/a:igor_sysoev:nginx:1.22.0",
        )
        for asset in (debian, alone)
    ]
    correlate_services(webs)  # the SSH service is not part of this run: still seen
    on_debian = Finding.objects.get(asset=debian, key="CVE-2022-41741")
    assert on_debian.confidence == "tentative"
    assert "(Debian)" in on_debian.evidence
    assert Finding.objects.get(asset=alone, key="CVE-2022-41741").confidence == "firm"


def test_new_cve_in_the_catalog_reaches_old_assets(catalog: None, establishment_a: Any) -> None:
    asset = AssetFactory(establishment=establishment_a)
    redis = ServiceFactory(
        establishment=establishment_a,
        asset=asset,
        port=6379,
        product="Redis key-value store",
        version="7.0.15",
        cpe="cpe:/a:redislabs:redis:7.0.15",
    )
    correlate_services([redis])
    assert not Finding.objects.filter(check_id="cve").exists()
    fresh = cve("CVE-2099-0100", cvss=9.1, kev=True)
    rule(fresh, "redis", "redis", start_including="7.0.0", end_excluding="7.0.16")
    summary = correlate_catalog_change(cve_ids=["CVE-2099-0100"])
    assert summary.created == 1
    alert = Alert.objects.get()
    assert alert.cve_id == "CVE-2099-0100"
    assert alert.establishment == establishment_a
    assert alert.known_exploited


def test_upgrade_fixes_the_cve_finding(catalog: None, establishment_a: Any) -> None:
    web = ServiceFactory(
        establishment=establishment_a,
        port=80,
        product="nginx",
        version="1.22.0",
        cpe="cpe:/a:igor_sysoev:nginx:1.22.0",
    )
    correlate_services([web])
    finding = Finding.objects.get(key="CVE-2022-41741")
    web.version, web.cpe = "1.24.0", "cpe:/a:igor_sysoev:nginx:1.24.0"
    web.save()
    assert correlate_services([web]).closed == 1
    finding.refresh_from_db()
    assert finding.status == "fixed"
