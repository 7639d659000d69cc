"""eol.product: table-driven, on the product/version/extrainfo strings nmap really
produces (banners seen on Debian, Ubuntu, CentOS/RHEL and Windows hosts).

The check makes no connection; the scan date is fixed (`eol_date` option) so that the
expectations do not drift as end-of-life dates pass.
"""

from __future__ import annotations

import datetime as dt

import pytest

from rempart.engine.checks import REGISTRY, load_all
from rempart.engine.checks.base import CheckContext
from rempart.engine.checks.eol import EOL_TABLE, end_of_life
from rempart.engine.model import Host, Service
from rempart.engine.targets import AllowedSet

load_all()
SCAN_DATE = dt.date(2026, 11, 28)
F, T = "firm", "tentative"

CASES = [
    # product, version, extrainfo, banner -> {key: confidence}
    ("OpenSSH", "9.2p1 Debian 2+deb12u10", "protocol 2.0", "", {}),
    ("OpenSSH", "7.2p2 Ubuntu 4ubuntu2.10", "Ubuntu Linux; protocol 2.0", "", {"openssh": T}),
    ("OpenSSH", "6.6.1", "protocol 2.0", "", {"openssh": F}),
    ("OpenSSH", "7.9p1 Debian 10+deb10u2", "protocol 2.0", "", {"debian": F}),
    ("OpenSSH", "6.7p1 Debian 5+deb8u8", "protocol 2.0", "", {"openssh": T, "debian": F}),
    ("OpenSSH", "8.4p1 Debian 5+deb11u3", "protocol 2.0", "", {"debian": F}),
    ("Apache httpd", "2.2.15", "(CentOS)", "", {"apache-httpd": T}),
    ("Apache httpd", "2.2.34", "", "", {"apache-httpd": F}),
    ("Apache httpd", "2.4.57", "(Debian)", "", {}),
    ("Apache httpd", "2.4.7", "(Ubuntu)", "Apache/2.4.7 (Ubuntu) PHP/5.5.9-1ubuntu4.29 "
     "OpenSSL/1.0.1f", {"php": T, "openssl": T}),
    ("Apache httpd", "2.4.6", "(Red Hat Enterprise Linux) OpenSSL/1.0.2k-fips", "",
     {"openssl": T}),
    ("Apache httpd", "2.4.62", "(Unix) OpenSSL/3.0.15", "", {"openssl": F}),
    ("Apache httpd", "2.4.62", "(Unix) OpenSSL/3.2.2 PHP/8.1.31", "", {"php": F}),
    ("Apache httpd", "2.4.62", "(Unix) PHP/8.2.26", "", {}),
    ("nginx", "1.18.0", "", "", {"nginx": F}),
    ("nginx", "1.18.0", "(Ubuntu)", "", {"nginx": T}),
    ("nginx", "1.22.1", "", "", {}),
    ("Microsoft IIS httpd", "7.5", "", "", {"iis": F}),
    ("Microsoft IIS httpd", "8.5", "", "", {"iis": F}),
    ("Microsoft IIS httpd", "10.0", "", "", {}),
    ("Microsoft Windows XP microsoft-ds", "", "workgroup: WORKGROUP", "", {"windows": F}),
    ("Microsoft Windows 7 - 10 microsoft-ds", "", "workgroup: WORKGROUP", "", {}),
    ("Microsoft Windows Server 2008 R2 - 2012 microsoft-ds", "", "", "", {}),
    ("Windows Server 2012 R2 Standard 9600 microsoft-ds", "", "", "", {"windows": F}),
    ("Windows 7 Professional 7601 Service Pack 1 microsoft-ds", "", "", "", {"windows": F}),
    ("Samba smbd", "4.6.2", "", "", {"samba": T}),
    ("Samba smbd", "3.X - 4.X", "workgroup: WORKGROUP", "", {}),
    ("Samba smbd", "4.17.12-Debian", "", "", {"samba": T}),
    ("Samba smbd", "4.20.1", "", "", {}),
    ("Apache Tomcat", "8.5.5", "", "", {"tomcat": F}),
    ("Apache Tomcat", "7.0.109", "", "", {"tomcat": F}),
    ("Apache Tomcat", "9.0.43", "", "", {}),
    ("Apache Tomcat/Coyote JSP engine", "1.1", "", "", {}),
    ("MySQL", "5.7.33-0ubuntu0.16.04.1", "", "", {"mysql": T}),
    ("MySQL", "8.0.36", "", "", {"mysql": F}),
    ("MySQL", "8.4.3", "", "", {}),
    ("MySQL", "5.5.5-10.11.6-MariaDB-0+deb12u1", "", "", {}),
    ("MySQL", "5.5.5-10.3.39-MariaDB-0+deb10u2", "", "", {"mariadb": T, "debian": F}),
    ("PostgreSQL DB", "9.6.0 - 9.6.7", "", "", {"postgresql": T}),
    ("PostgreSQL DB", "14.10", "", "", {"postgresql": F}),
    ("PostgreSQL DB", "15.8", "", "", {}),
    ("PostgreSQL DB", "9.6.0 or later", "", "", {}),
    ("vsftpd", "3.0.3", "", "", {}),
]  # fmt: skip


def _service(product: str, version: str, extrainfo: str, banner: str) -> Service:
    return Service(
        port=80, protocol="tcp", product=product, version=version, extrainfo=extrainfo,
        banner=banner,
    )  # fmt: skip


@pytest.mark.parametrize(("product", "version", "extrainfo", "banner", "expected"), CASES)
def test_eol_table(
    product: str, version: str, extrainfo: str, banner: str, expected: dict[str, str]
) -> None:
    service = _service(product, version, extrainfo, banner)
    context = CheckContext(allowed=AllowedSet(frozenset(), frozenset()))
    context.options["eol_date"] = SCAN_DATE.isoformat()
    findings = REGISTRY["eol.product"].run(context, Host(address="192.0.2.7"), service)
    assert {f.key: f.confidence for f in findings} == expected
    for finding in findings:
        assert finding.check == "eol.product"
        assert finding.severity == "high"
        assert "end of life since 20" in finding.evidence
        assert "https://" in finding.evidence
        if finding.confidence == T:
            assert (
                "distribution build" in finding.evidence
                or "range" in finding.evidence
                or ("fingerprint" in finding.evidence)
            )


def test_eol_rows_report_only_once_their_date_has_passed() -> None:
    service = _service("PostgreSQL DB", "14.10", "", "")
    assert end_of_life(service, dt.date(2026, 11, 11)) == []
    [match] = end_of_life(service, dt.date(2026, 11, 12))
    assert match.row.key == "postgresql"
    assert match.row.eol == dt.date(2026, 11, 12)


def test_eol_evidence_names_version_date_and_source() -> None:
    [match] = end_of_life(_service("OpenSSH", "6.6.1", "", ""), SCAN_DATE)
    context = CheckContext(allowed=AllowedSet(frozenset(), frozenset()))
    context.options["eol_date"] = SCAN_DATE.isoformat()
    [finding] = REGISTRY["eol.product"].run(
        context, Host(address="192.0.2.7"), _service("OpenSSH", "6.6.1", "", "")
    )
    assert finding.evidence == (
        "OpenSSH 6.6.1: end of life since 2016-12-19 (https://www.openssh.com/releasenotes.html)"
    )
    assert finding.title == "End-of-life product: OpenSSH"
    assert finding.title_params == {"product": "OpenSSH"}
    assert finding.evidence_messages[0]["code"] == "eol.version"
    assert match.version == "6.6.1"


def test_eol_table_rows_are_sourced_and_dated() -> None:
    assert len(EOL_TABLE) >= 20
    for row in EOL_TABLE:
        assert row.source.startswith("https://")
        assert dt.date(2010, 1, 1) < row.eol < dt.date(2031, 1, 1)
        assert row.lo is None or row.hi is None or row.lo < row.hi
        bounded = row.lo is not None or row.hi is not None
        assert ("(?P<v>" in row.pattern.pattern) is bounded


def test_eol_applies_only_to_services_with_a_product_string() -> None:
    check = REGISTRY["eol.product"]
    host = Host(address="192.0.2.7")
    assert not check.applies(host, Service(port=443, protocol="tcp", name="https"))
    assert check.applies(host, _service("nginx", "1.18.0", "", ""))
    udp = Service(port=161, protocol="udp", name="snmp", banner="Apache httpd 2.2.3")
    assert check.applies(host, udp)
