"""End-of-life products, read from what version detection (nmap) says about a service.

The table is small, sourced and dated: a row reports a version range only once its end of
life date is past (on the scan date), so rows can be added ahead of time. A banner that
carries a distribution tag (Debian, Ubuntu, Red Hat…) is a distribution build whose
maintainer may still backport fixes: such findings are `tentative` and say so, as are
version ranges and Samba versions (nmap's SMB fingerprint is imprecise). No connection is
made. The `eol_date` check option (ISO date) replaces the scan date, for tests and replays.

Table reviewed on 2026-11-28. Each row: product key, label, pattern (named group `v` for
the version, when the row has bounds), [lo, hi) version bounds, end of life, source.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from rempart.engine.checks.base import Check, CheckContext, register
from rempart.engine.model import Finding, Host, Service
from rempart.engine.problems import Message, msg

Version = tuple[int, ...]


@dataclass(frozen=True)
class EolRow:
    key: str
    label: str
    pattern: re.Pattern[str]
    lo: Version | None
    hi: Version | None
    eol: dt.date
    source: str
    unless: re.Pattern[str] | None = None  # text that rules the row out
    caveat: str = ""  # why a match is never more than tentative


_V = r"(?P<v>\d+(?:\.\d+){0,3})"
_MS = "https://learn.microsoft.com/en-us/lifecycle/products/"
_OPENSSH = r"OpenSSH[ _]" + _V
_HTTPD = r"Apache(?: httpd)?[ /]" + _V
_PHP = r"PHP/" + _V
_IIS = r"(?:Microsoft[ -]IIS(?: httpd)?)[ /]" + _V
_SAMBA = r"Samba(?: smbd)?[ /]" + _V
_OPENSSL = r"OpenSSL/" + _V
_TOMCAT = r"Apache Tomcat[ /]" + _V
_MYSQL = r"MySQL " + _V
_MARIADB = r"(?:5\.5\.5-)?(?P<v>\d+\.\d+(?:\.\d+)?)-MariaDB"
_POSTGRES = r"PostgreSQL(?: DB)? " + _V
_DEBIAN = r"[+~]deb(?P<v>\d+)u\d+"
_NGINX = r"nginx[ /]" + _V
_WIN = r"Windows "
_PHP_EOL, _PHP_SUP = "https://www.php.net/eol.php", "https://www.php.net/supported-versions.php"
_SAMBA_SRC = "https://wiki.samba.org/index.php/Samba_Release_Planning"
_OPENSSL_SRC = "https://www.openssl.org/policies/releasestrat.html"
_TOMCAT_SRC = "https://tomcat.apache.org/tomcat-{}-eol.html"
_MYSQL_SRC = "https://www.mysql.com/support/eol-notice.html"
_MARIADB_SRC = "https://mariadb.org/about/#maintenance-policy"
_PG_SRC = "https://www.postgresql.org/support/versioning/"
_DEBIAN_SRC = "https://wiki.debian.org/LTS"
_HTTPD_SRC = "https://archive.apache.org/dist/httpd/Announcement2.2.html"
# fmt: off
_ROWS: tuple[tuple[Any, ...], ...] = (
    # key, label, pattern, (lo, hi) versions [lo, hi), end of life, source
    ("openssh", "OpenSSH", _OPENSSH, (None, (7, 4)), "2016-12-19",
     "https://www.openssh.com/releasenotes.html"),  # upstream maintains only the latest
    ("apache-httpd", "Apache httpd", _HTTPD, (None, (2, 4)), "2017-07-11", _HTTPD_SRC),
    ("nginx", "nginx", _NGINX, (None, (1, 20)), "2021-04-20", "https://nginx.org/en/CHANGES-1.20"),
    ("php", "PHP", _PHP, (None, (8, 0)), "2022-11-28", _PHP_EOL),
    ("php", "PHP", _PHP, ((8, 0), (8, 1)), "2023-11-26", _PHP_EOL),
    ("php", "PHP", _PHP, ((8, 1), (8, 2)), "2025-12-31", _PHP_SUP),
    ("iis", "Microsoft IIS", _IIS, (None, (8, 0)), "2020-01-14", _MS + "windows-server-2008-r2"),
    ("iis", "Microsoft IIS", _IIS, ((8, 0), (10, 0)), "2023-10-10", _MS + "windows-server-2012-r2"),
    ("windows", "Windows XP", _WIN + r"XP\b(?!\s*-)", (None, None), "2014-04-08",
     _MS + "windows-xp"),
    ("windows", "Windows Vista", _WIN + r"Vista\b(?!\s*-)", (None, None), "2017-04-11",
     _MS + "windows-vista"),
    ("windows", "Windows 7", _WIN + r"7\b(?!\s*-)", (None, None), "2020-01-14",
     _MS + "windows-7"),
    ("windows", "Windows 8.1", _WIN + r"8\.1\b(?!\s*-)", (None, None), "2023-01-10",
     _MS + "windows-81"),
    ("windows", "Windows Server 2003", _WIN + r"Server 2003(?:\s*R2)?+(?!\s*-)", (None, None),
     "2015-07-14", _MS + "windows-server-2003-"),
    ("windows", "Windows Server 2008", _WIN + r"Server 2008(?:\s*R2)?+(?!\s*-)", (None, None),
     "2020-01-14", _MS + "windows-server-2008-r2"),
    ("windows", "Windows Server 2012", _WIN + r"Server 2012(?:\s*R2)?+(?!\s*-)", (None, None),
     "2023-10-10", _MS + "windows-server-2012-r2"),
    ("samba", "Samba", _SAMBA, (None, (4, 17)), "2023-09-04", _SAMBA_SRC),
    ("samba", "Samba", _SAMBA, ((4, 17), (4, 19)), "2024-09-02", _SAMBA_SRC),
    ("openssl", "OpenSSL", _OPENSSL, (None, (1, 1, 0)), "2019-12-31", _OPENSSL_SRC),
    ("openssl", "OpenSSL", _OPENSSL, ((1, 1, 0), (3, 0)), "2023-09-11", _OPENSSL_SRC),
    ("openssl", "OpenSSL", _OPENSSL, ((3, 0), (3, 1)), "2026-09-07", _OPENSSL_SRC),
    ("tomcat", "Apache Tomcat", _TOMCAT, (None, (8, 0)), "2021-03-31", _TOMCAT_SRC.format(70)),
    ("tomcat", "Apache Tomcat", _TOMCAT, ((8, 0), (8, 5)), "2018-06-30", _TOMCAT_SRC.format(80)),
    ("tomcat", "Apache Tomcat", _TOMCAT, ((8, 5), (9, 0)), "2024-03-31", _TOMCAT_SRC.format(85)),
    ("mysql", "MySQL", _MYSQL, (None, (5, 7)), "2021-02-28", _MYSQL_SRC),
    ("mysql", "MySQL", _MYSQL, ((5, 7), (8, 0)), "2023-10-31", _MYSQL_SRC),
    ("mysql", "MySQL", _MYSQL, ((8, 0), (8, 1)), "2026-04-30", _MYSQL_SRC),
    ("mariadb", "MariaDB", _MARIADB, (None, (10, 6)), "2025-06-24", _MARIADB_SRC),
    ("mariadb", "MariaDB", _MARIADB, ((10, 6), (10, 7)), "2026-07-06", _MARIADB_SRC),
    ("postgresql", "PostgreSQL", _POSTGRES, (None, (13,)), "2024-11-21", _PG_SRC),
    ("postgresql", "PostgreSQL", _POSTGRES, ((13,), (14,)), "2025-11-13", _PG_SRC),
    ("postgresql", "PostgreSQL", _POSTGRES, ((14,), (15,)), "2026-11-12", _PG_SRC),
    ("debian", "Debian", _DEBIAN, (None, (10,)), "2022-06-30", _DEBIAN_SRC),
    ("debian", "Debian", _DEBIAN, ((10,), (11,)), "2024-06-30", _DEBIAN_SRC),
    ("debian", "Debian", _DEBIAN, ((11,), (12,)), "2026-08-31", _DEBIAN_SRC),
)
# fmt: on
UNLESS = {"mysql": re.compile(r"MariaDB", re.I)}  # nmap names MariaDB "MySQL 5.5.5-10.x"
CAVEATS = {
    "samba": "nmap reads Samba versions from an SMB fingerprint that often reports an older "
    "4.x than the one installed",
}
EOL_TABLE = tuple(
    EolRow(
        key,
        label,
        re.compile(pattern, re.I),
        lo,
        hi,
        dt.date.fromisoformat(eol),
        source,
        UNLESS.get(key),
        CAVEATS.get(key, ""),
    )
    for key, label, pattern, (lo, hi), eol, source in _ROWS
)
DISTRO_TAG = re.compile(
    r"\b(Debian|Ubuntu|Raspbian|Red Hat|RHEL|CentOS|Rocky|AlmaLinux|Oracle Linux|SUSE|"
    r"Fedora|Amazon Linux)\b|deb\d+u\d+|\dubuntu\d|\.el\d+|~bpo\d+",
    re.I,
)


@dataclass(frozen=True)
class EolMatch:
    row: EolRow
    version: str
    distro: str
    ranged: bool


def parse_version(text: str) -> Version:
    return tuple(int(part) for part in text.split(".") if part.isdigit())


def service_text(service: Service) -> str:
    parts = (service.product, service.version, service.extrainfo, service.banner)
    return " ".join(part for part in parts if part)


def _in_bounds(row: EolRow, version: Version) -> bool:
    if not version:
        return False
    return (row.lo is None or version >= row.lo) and (row.hi is None or version < row.hi)


def _match_row(row: EolRow, text: str) -> tuple[str, bool] | None:
    """The version the row matched ("" for a product without bounds) and whether nmap
    gave a range (its upper bound is used); None when the row does not apply."""
    match = row.pattern.search(text)
    if not match or (row.unless is not None and row.unless.search(text)):
        return None
    if row.lo is None and row.hi is None:
        return match.group(0), False
    version, rest = match.group("v"), text[match.end("v") :]
    if re.match(r"\.?[xX*]|\s*or later", rest):
        return None  # "3.X - 4.X", "9.6.0 or later": not precise enough
    upper = re.match(r"\s+-\s+(\d+(?:\.\d+)*)", rest)
    if upper:
        version = upper.group(1)
    return (version, bool(upper)) if _in_bounds(row, parse_version(version)) else None


def _distro(text: str, row: EolRow) -> str:
    if row.key in ("debian", "windows", "iis"):
        return ""  # the tag is the product itself, or a vendor build
    tag = DISTRO_TAG.search(text)
    return tag.group(0).strip(".+~-") if tag else ""


def end_of_life(service: Service, today: dt.date) -> list[EolMatch]:
    """Products of `service` past their end of life on `today`, one per product key."""
    text = service_text(service)
    found: dict[str, EolMatch] = {}
    for row in EOL_TABLE:
        if row.key in found or row.eol > today:
            continue
        matched = _match_row(row, text)
        if matched is not None:
            version, ranged = matched
            found[row.key] = EolMatch(row, version, _distro(text, row), ranged)
    return list(found.values())


def describe(match: EolMatch) -> list[Message]:
    row = match.row
    name = match.version if row.lo is None and row.hi is None else f"{row.label} {match.version}"
    params: dict[str, str | int] = {"date": f"{row.eol:%Y-%m-%d}", "source": row.source}
    if row.key == "debian":
        parts = [Message("eol.debian", params | {"version": match.version})]
    else:
        parts = [Message("eol.version", params | {"product": name})]
    if match.ranged:
        parts.append(msg("eol.ranged"))
    if row.caveat:
        parts.append(msg(f"eol.caveat.{row.key}"))
    if match.distro:
        parts.append(msg("eol.distribution", distribution=match.distro))
    return parts


@register
class EndOfLifeProduct(Check):
    id = "eol.product"
    title = "End-of-life product version"
    title_template = "End-of-life product: %(product)s"
    description = (
        "Version detection identifies a product version that its publisher no longer "
        "supports: vulnerabilities found since its end of life are not fixed, and some are "
        "publicly exploited. Distribution builds (Debian, Ubuntu, Red Hat…) may still receive "
        "backported fixes from the distribution: such findings are marked tentative."
    )
    remediation = (
        "Upgrade to a supported version (or a supported release of the distribution); when "
        "the equipment cannot be upgraded, isolate it and document the residual risk."
    )
    severity = "high"
    confidence = "firm"
    references = ("https://endoflife.date/",)

    def applies(self, host: Host, service: Service) -> bool:
        return bool(service_text(service))

    def run(self, context: CheckContext, host: Host, service: Service) -> list[Finding]:
        today = context.options.get("eol_date") or dt.datetime.now(dt.UTC).date()
        if isinstance(today, str):
            today = dt.date.fromisoformat(today)
        findings = []
        for match in end_of_life(service, today):
            tentative = bool(match.distro or match.row.caveat) or match.ranged
            findings.append(
                self.finding(
                    host,
                    service,
                    key=match.row.key,
                    evidence=describe(match),
                    confidence="tentative" if tentative else "firm",
                    title_params={"product": match.row.label},
                )
            )
        return findings
