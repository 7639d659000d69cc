"""From what a scan saw (nmap product names, CPE 2.2 URIs, banners) to CPE 2.3 products.

nmap names products its own way (`igor_sysoev:nginx`, `redislabs:redis`, `mysql:mysql` for
MariaDB) and keeps distribution tags in the version (`9.2p1 Debian 2+deb12u10`). A banner
that names a distribution package may carry backported fixes: version-only matches on such
builds are tentative, never confirmed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rempart.threatwatch.cpe import CpeError, parse

# nmap CPE vendor:product → catalog vendor:product candidates.
CPE_ALIASES: dict[tuple[str, str], list[tuple[str, str]]] = {
    ("igor_sysoev", "nginx"): [("f5", "nginx"), ("nginx", "nginx")],
    ("nginx", "nginx"): [("f5", "nginx"), ("nginx", "nginx")],
    ("redislabs", "redis"): [("redis", "redis"), ("redislabs", "redis")],
    ("mysql", "mysql"): [("oracle", "mysql"), ("mysql", "mysql")],
    ("microsoft", "iis"): [("microsoft", "internet_information_services")],
    ("openbsd", "openssh"): [("openbsd", "openssh")],
    ("apache", "http_server"): [("apache", "http_server")],
    ("apache", "tomcat"): [("apache", "tomcat")],
    ("postgresql", "postgresql"): [("postgresql", "postgresql")],
    ("samba", "samba"): [("samba", "samba")],
    ("eclipse", "mosquitto"): [("eclipse", "mosquitto")],
}
# nmap product text → catalog vendor:product candidates (when nmap gives no CPE).
PRODUCT_ALIASES: list[tuple[re.Pattern[str], list[tuple[str, str]]]] = [
    (re.compile(p, re.I), c)
    for p, c in [
        (r"^openssh", [("openbsd", "openssh")]),
        (r"^nginx", [("f5", "nginx"), ("nginx", "nginx")]),
        (r"^apache httpd", [("apache", "http_server")]),
        (r"^apache tomcat", [("apache", "tomcat")]),
        (r"microsoft iis", [("microsoft", "internet_information_services")]),
        (r"^redis", [("redis", "redis"), ("redislabs", "redis")]),
        (r"^mariadb", [("mariadb", "mariadb")]),
        (r"^mysql", [("oracle", "mysql"), ("mysql", "mysql")]),
        (r"^postgresql", [("postgresql", "postgresql")]),
        (r"^samba", [("samba", "samba")]),
        (r"^vsftpd", [("beasts", "vsftpd"), ("vsftpd_project", "vsftpd")]),
        (r"^proftpd", [("proftpd", "proftpd")]),
        (r"^dovecot", [("dovecot", "dovecot"), ("open-xchange", "dovecot")]),
        (r"^exim", [("exim", "exim")]),
        (r"^postfix", [("postfix", "postfix")]),
        (r"mosquitto", [("eclipse", "mosquitto")]),
        (r"^elasticsearch", [("elastic", "elasticsearch"), ("elasticsearch", "elasticsearch")]),
        (r"^mongodb", [("mongodb", "mongodb")]),
        (r"^memcached", [("memcached", "memcached")]),
        (r"^php", [("php", "php")]),
        (r"fortios|fortigate", [("fortinet", "fortios")]),
        (r"^cisco ios xe", [("cisco", "ios_xe")]),
        (r"^cisco (ios|router)", [("cisco", "ios")]),
        (
            r"cisco asa|adaptive security appliance",
            [("cisco", "adaptive_security_appliance_software")],
        ),
        (r"netscaler|citrix adc", [("citrix", "netscaler_application_delivery_controller")]),
        (r"ivanti|pulse (connect )?secure", [("ivanti", "connect_secure")]),
        (r"vmware esxi", [("vmware", "esxi")]),
        (r"vcenter", [("vmware", "vcenter_server")]),
        (r"microsoft exchange", [("microsoft", "exchange_server")]),
        (
            r"wildfly|jboss",
            [("redhat", "wildfly"), ("redhat", "jboss_enterprise_application_platform")],
        ),
        (r"net-snmp", [("net-snmp", "net-snmp")]),
    ]
]
# Components named in banners' extra information: "Apache/2.4.57 (Debian) OpenSSL/3.0.11".
EMBEDDED = [
    (re.compile(r"OpenSSL/(\d[\w.\-]*)", re.I), ("openssl", "openssl"), "OpenSSL"),
    (re.compile(r"PHP/(\d[\w.\-]*)", re.I), ("php", "php"), "PHP"),
]
DISTRO = re.compile(
    r"debian|ubuntu|deb\d+u\d+|\+deb|~bpo|raspbian|red hat|rhel|\.el\d|centos|rocky|alma|"
    r"fedora|suse|sles|amazon linux|\.amzn|alpine",
    re.I,
)
# nmap's guesses that are not a version: `3.X - 4.X` (Samba over SMB2), `2.6.X`, `5.0 - 6.0`,
# `9.6.0 or later` (PostgreSQL)
IMPRECISE = re.compile(r"\d\.[xX]\b|\d\s+-\s+\d|\bor (?:later|earlier|newer|older)\b", re.I)
_VERSION = re.compile(r"\d+(?:[.\-_]\d+)*(?:[a-z]+\d*)?(?:\(\d+\)[a-z]*\d*)?", re.I)


@dataclass(frozen=True)
class ProductVersion:
    """A product version seen on a service, mapped to catalog names."""

    candidates: tuple[tuple[str, str], ...]
    version: str
    label: str
    distro_build: str = ""  # the distribution tag seen, when the build may carry backports


def _upstream_version(text: str) -> str:
    mariadb = re.search(r"(\d+\.\d+\.\d+)-mariadb", text, re.I)
    if mariadb:
        return mariadb.group(1)
    match = _VERSION.search(text or "")
    return match.group(0) if match else ""


def _from_cpe(cpe_text: str) -> tuple[list[tuple[str, str]], str]:
    try:
        cpe = parse(cpe_text)
    except CpeError:
        return [], ""
    candidates = CPE_ALIASES.get((cpe.vendor, cpe.product), [(cpe.vendor, cpe.product)])
    version = "" if cpe.version in ("*", "-") else cpe.version
    return list(candidates), version


def distro_of(*texts: str) -> str:
    for text in texts:
        match = DISTRO.search(text or "")
        if match:
            return match.group(0)
    return ""


def products_of(
    *, product: str, version: str, extrainfo: str = "", cpe: str = "", name: str = ""
) -> list[ProductVersion]:
    """Catalog products and upstream versions behind one service (may be several)."""
    distro = distro_of(version, extrainfo, product)
    found: list[ProductVersion] = []
    candidates, cpe_version = _from_cpe(cpe) if cpe else ([], "")
    if "mariadb" in (version or "").lower():
        candidates = [("mariadb", "mariadb")]
    if not candidates:
        candidates = next(
            (c for pattern, c in PRODUCT_ALIASES if pattern.search(product or "")), []
        )
    upstream = _upstream_version(version) or cpe_version
    if IMPRECISE.search(version or ""):
        upstream = ""  # a version family is no version: matching it would raise false alarms
    if candidates and upstream:
        label = f"{product or candidates[0][1]} {version}".strip()
        found.append(ProductVersion(tuple(candidates), upstream, label, distro))
    for pattern, pair, label in EMBEDDED:
        match = pattern.search(f"{extrainfo} {version}")
        if match:
            found.append(
                ProductVersion((pair,), match.group(1), f"{label} {match.group(1)}", distro)
            )
    return found
