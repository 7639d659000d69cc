"""Vendor version schemes in real CVE JSON 5 records (tests/data/cve5-vendors, from the
corpus): a fixed build is never listed as affected, a vulnerable one is.

Each case is a version the vendor's advisory names (fixed or not) looked up against the
record as imported, the way a scanned or typed version is."""

from __future__ import annotations

from pathlib import Path

import pytest

from rempart.threatwatch.cpe import Cpe
from rempart.threatwatch.importers.affected import entry_rules
from rempart.threatwatch.importers.pipeline import catalog_import_files
from rempart.threatwatch.matching import lookup
from rempart.threatwatch.models import CpeMatch, Cve, ImportedFile

RECORDS = Path(__file__).parent / "data" / "cve5-vendors"
pytestmark = pytest.mark.django_db
NETSCALER = ("citrix", "netscaler_application_delivery_controller")
PAN_OS = ("palo_alto_networks", "pan-os")
JUNOS = ("juniper", "junos")  # the CPE name a scan gives (CISA's ADP rules)
JUNOS_CNA = ("juniper_networks", "junos_os")
ICS = ("ivanti", "connect_secure")
SWITCH = ("hewlett_packard_enterprise_(hpe)", "arubaos-s_switch")

CASES = [
    # Citrix Bleed: `version: 14.1, lessThan: 8.50` (a build of the branch) means < 14.1-8.50
    ("CVE-2023-4966", NETSCALER, "14.1-8.50", False),
    ("CVE-2023-4966", NETSCALER, "14.1-4.42", True),
    ("CVE-2023-4966", NETSCALER, "13.1-49.15", False),
    ("CVE-2023-4966", NETSCALER, "13.1-48.47", True),
    ("CVE-2023-4966", NETSCALER, "13.0-92.19", False),
    ("CVE-2023-4966", NETSCALER, "NS13.1: Build 49.15.nc", False),  # as NetScaler prints it
    ("CVE-2023-4966", NETSCALER, "NS13.1: Build 48.47.nc", True),
    # PAN-OS hotfix builds: 8.1 < 8.1.24-h1 next to 8.1 < 8.1.25 (a fix per train)
    ("CVE-2024-0007", PAN_OS, "8.1.24-h1", False),
    ("CVE-2024-0007", PAN_OS, "8.1.24", True),
    ("CVE-2024-0007", PAN_OS, "8.1.25", False),
    ("CVE-2024-0007", PAN_OS, "9.0.16", True),
    # HashiCorp `changes`: 1.9.0 < 1.20.1, fixed at 1.19.3, 1.18.5, 1.15.15 on their trains
    ("CVE-2024-10005", ("hashicorp", "consul_enterprise"), "1.19.3", False),
    ("CVE-2024-10005", ("hashicorp", "consul_enterprise"), "1.19.2", True),
    ("CVE-2024-10005", ("hashicorp", "consul_enterprise"), "1.18.6", False),
    ("CVE-2024-10005", ("hashicorp", "consul_enterprise"), "1.17.1", True),
    ("CVE-2024-10005", ("hashicorp", "consul_enterprise"), "1.15.15", False),
    # FreeBSD patch levels: `version: 14.0-RELEASE, lessThan: p5`
    ("CVE-2024-25940", ("freebsd", "freebsd"), "14.0-RELEASE-p5", False),
    ("CVE-2024-25940", ("freebsd", "freebsd"), "14.0-RELEASE-p4", True),
    ("CVE-2024-25940", ("freebsd", "freebsd"), "14.1-RELEASE", False),
    ("CVE-2024-25940", ("freebsd", "freebsd"), "13.2-RELEASE-p9", True),
    # Juniper R-builds: a list of fixes (`22.4R2-S2, 22.4R3`), service releases
    ("CVE-2024-21585", JUNOS_CNA, "22.4R2-S2", False),
    ("CVE-2024-21585", JUNOS_CNA, "22.4R2-S1", True),
    ("CVE-2024-21585", JUNOS_CNA, "22.4R3", False),
    ("CVE-2024-21585", JUNOS_CNA, "21.2R3-S7", False),
    ("CVE-2024-21585", JUNOS_CNA, "21.2R3-S6", True),
    ("CVE-2024-21585", JUNOS_CNA, "20.4R3-S8", True),
    # Juniper `21.1` … `21.1*`: the whole 21.1 branch
    ("CVE-2024-39554", JUNOS, "21.1R3-S5", True),
    ("CVE-2024-39554", JUNOS_CNA, "21.1R3-S5", True),
    ("CVE-2024-39554", JUNOS, "21.2R3-S7", False),
    ("CVE-2024-39554", JUNOS, "21.2R3-S6", True),
    # Ivanti R-builds written as "fixed in" (`version` = `lessThan`), one per train; CISA's
    # ADP reads them as affected versions: the CNA's reading stands
    ("CVE-2024-21894", ICS, "22.1R6.2", False),
    ("CVE-2024-21894", ICS, "22.1R6.1", True),
    ("CVE-2024-21894", ICS, "9.1R14.6", False),
    ("CVE-2024-21894", ICS, "9.1R15.4", False),
    ("CVE-2024-21894", ICS, "9.1R15.3", True),
    ("CVE-2024-21894", ICS, "9.1R13", True),
    ("CVE-2024-21894", ICS, "22.6R2.3", False),
    # HPE Aruba: "AOS-10.4.x.x: 10.4.1.4 and below", "ArubaOS-Switch 16.10.xxxx: All versions"
    ("CVE-2024-42509", ("arubanetworks", "arubaos"), "10.4.1.4", True),
    ("CVE-2024-42509", ("arubanetworks", "arubaos"), "10.4.1.5", False),
    ("CVE-2024-42509", ("arubanetworks", "instant"), "8.10.0.14", False),
    ("CVE-2024-26303", SWITCH, "16.04.0027", True),
    ("CVE-2024-26303", SWITCH, "16.04.0028", False),
    ("CVE-2024-26303", SWITCH, "16.10.0025", True),
    ("CVE-2024-26303", SWITCH, "16.11.0016", False),
    # Cisco trains: exact releases of a train; the release as a device prints it
    ("CVE-2024-20307", ("cisco", "ios"), "15.2(4)E10", True),
    ("CVE-2024-20307", ("cisco", "ios"), "15.2(4)E10, RELEASE SOFTWARE (fc2)", True),
    ("CVE-2024-20307", ("cisco", "ios"), "15.2(4)E11", False),
    ("CVE-2024-20307", ("cisco", "ios"), "15.2(4)M10", False),
    ("CVE-2024-20307", ("cisco", "ios_xe"), "17.9.5", False),
    # FortiOS: branches ≤ x.y.z; the build FortiOS prints does not move the release
    ("CVE-2024-21762", ("fortinet", "fortios"), "7.2.6", True),
    ("CVE-2024-21762", ("fortinet", "fortios"), "v7.2.6,build1575,231024 (GA.F)", True),
    ("CVE-2024-21762", ("fortinet", "fortios"), "7.2.7", False),
    ("CVE-2024-21762", ("fortinet", "fortios"), "v7.2.7 build1577 (GA.F)", False),
    ("CVE-2024-21762", ("fortinet", "fortios"), "7.4.3", False),
    # FortiOS `6.4.0` … `6.4.*`: the whole 6.4 branch
    ("CVE-2022-23439", ("fortinet", "fortios"), "6.4.16", True),
    ("CVE-2022-23439", ("fortinet", "fortios"), "7.2.1", False),
]


@pytest.fixture
def catalog() -> None:
    result = catalog_import_files([RECORDS])
    assert result["errors"] == 0


@pytest.mark.parametrize(("cve_id", "product", "version", "affected"), CASES)
def test_vendor_versions(
    catalog: None, cve_id: str, product: tuple[str, str], version: str, affected: bool
) -> None:
    found = {match.cve_id for match in lookup(Cpe("a", *product, version))}
    assert (cve_id in found) is affected


def test_a_bound_that_is_no_version_of_the_branch_is_not_an_open_range() -> None:
    # VMware ESXi (CVE-2024-22252's CNA entry, vendor "n/a" named here): `version: 8.0,
    # lessThan: ESXi80U1d-23299997` is a build name: not read as "8.0 and every later version"
    warnings: list[str] = []
    entry = {
        "vendor": "VMware",
        "product": "ESXi",
        "versions": [
            {
                "status": "affected",
                "version": "8.0",
                "lessThan": "ESXi80U1d-23299997",
                "versionType": "custom",
            }
        ],
    }
    assert entry_rules(entry, "cve5-cna", warnings) == []
    assert warnings == ["version text not understood: '8.0 … ESXi80U1d-23299997'"]


def test_a_record_read_by_an_older_parser_is_read_again(catalog: None) -> None:
    # given: Citrix Bleed as an earlier release stored it (its parser version, its rules)
    cve = Cve.objects.get(cve_id="CVE-2023-4966")
    cve.sources = {
        name: {**value, "parser": "1", "hash": "0" * 32} for name, value in cve.sources.items()
    }
    cve.save()
    CpeMatch.objects.filter(cve=cve).update(end_excluding="49.15")
    ImportedFile.objects.update(parser_version="1")  # and noted its files
    # when: the same file is imported again
    result = catalog_import_files([RECORDS / "CVE-2023-4966.json"])
    # then: it is rewritten with this release's rules
    assert result["sources"]["cve5"]["updated"] == 1
    assert "13.1-49.15" in set(
        CpeMatch.objects.filter(cve=cve).values_list("end_excluding", flat=True)
    )
    again = catalog_import_files([RECORDS / "CVE-2023-4966.json"], force=True)
    assert again["sources"]["cve5"] == {
        "added": 0,
        "updated": 0,
        "unchanged": 1,
        "stale": 0,
    }
