"""Version comparison for vulnerability ranges, per scheme.

Real version strings are not semver: OpenSSH `9.2p1`, OpenSSL `1.1.1w`, Cisco IOS
`15.2(4)M10`, FortiOS `7.2.4`, Tomcat `10.1.0-M17`, dates `2023-06-01`, semver `1.2.3-rc.1`.
Versions are split into numbers and words; numbers compare numerically; pre-release words
(`alpha`, `beta`, `rc`, `dev`, `milestone`…) sort before the release; other words (`p1`,
OpenSSL's letter suffix, Cisco trains) sort after it. Missing trailing parts count as zero.
"""

from __future__ import annotations

import functools
import re
from typing import Literal

Scheme = Literal["generic", "cisco", "semver", "fortinet", "netscaler"]

PRE_RELEASE = {
    "dev": 0,
    "snapshot": 0,
    "alpha": 1,
    "a": 1,
    "beta": 2,
    "b": 2,
    "milestone": 3,
    "m": 3,
    "pre": 4,
    "preview": 4,
    "c": 5,
    "rc": 5,
    "cr": 5,
}
_TOKEN = re.compile(r"\d+|[a-z]+")
_NOISE = re.compile(r"^(v(?=\d)|version\s*|release\s*)")
# FortiOS as its systems print it (`v7.2.6,build1575,231024 (GA.F)`): the build numbers a
# release, it does not order it after the release (`≤ 7.2.6` includes it).
_FORTINET_BUILD = re.compile(r"[\s,_-]*\(?build[\s_-]*\d.*$")
# NetScaler as its systems print it (`NS14.1: Build 8.50.nc`): release 14.1, build 8.50,
# i.e. the `14.1-8.50` of the advisories.
# Cisco as its systems print it (`15.2(4)E10, RELEASE SOFTWARE (fc2)`): the train release is
# the first word.
_CISCO_TAIL = re.compile(r"[,\s].*$")
_NETSCALER = re.compile(r"^ns(?=\d)|[:\s]*build\s*|\.(?:nc|e|cl)$")


@functools.lru_cache(maxsize=65536)
def tokens(version: str, scheme: Scheme = "generic") -> tuple[tuple[int, int | str], ...]:
    """Comparable tokens: (0, n) numbers; (-1, rank) pre-release words; (1, word) others."""
    text = _NOISE.sub("", version.strip().lower())
    if scheme == "semver":
        text = text.split("+", 1)[0]  # build metadata never orders versions
    elif scheme == "fortinet":
        text = _FORTINET_BUILD.sub("", text)
    elif scheme == "cisco":
        text = _CISCO_TAIL.sub("", text)
    elif scheme == "netscaler":
        text = _NETSCALER.sub(lambda m: "-" if "build" in m.group() else "", text)
    result: list[tuple[int, int | str]] = []
    for match in _TOKEN.finditer(text):
        value = match.group()
        if value.isdigit():
            result.append((0, int(value)))
        elif scheme != "cisco" and value in PRE_RELEASE and _is_pre(text, match, value):
            result.append((-1, PRE_RELEASE[value]))
        else:
            result.append((1, value))
    return tuple(result)


def _is_pre(text: str, match: re.Match[str], word: str) -> bool:
    """`1.0.2a` (OpenSSL) is after 1.0.2; `2.0b1`, `1.0-beta`, `10.0.0-M1` are before."""
    if len(word) > 1 and word != "m":
        return True
    after = text[match.end() : match.end() + 1]
    before = text[match.start() - 1 : match.start()] if match.start() else ""
    return after.isdigit() or before in ("-", "_", "~", ".")


_ZERO: tuple[int, int | str] = (0, 0)


def compare(left: str, right: str, scheme: Scheme = "generic") -> int:
    """-1, 0 or 1 as `left` is before, equal to or after `right`."""
    a, b = tokens(left, scheme), tokens(right, scheme)
    for index in range(max(len(a), len(b))):
        x = a[index] if index < len(a) else _ZERO
        y = b[index] if index < len(b) else _ZERO
        if x == y:
            continue
        if x[0] != y[0]:
            return -1 if x[0] < y[0] else 1
        return -1 if x[1] < y[1] else 1  # type: ignore[operator]  # same kind, same type
    return 0


VENDOR_SCHEMES: dict[str, Scheme] = {
    "cisco": "cisco",
    "fortinet": "fortinet",
    "citrix": "netscaler",
    "netscaler": "netscaler",
}


def scheme_for(vendor: str, version_type: str = "") -> Scheme:
    """The comparison scheme of a product's versions: the vendor's, else semver's when the
    record says so, else the generic one."""
    if vendor in VENDOR_SCHEMES:
        return VENDOR_SCHEMES[vendor]
    if version_type == "semver":
        return "semver"
    return "generic"


def in_range(
    version: str,
    *,
    exact: str = "",
    start_including: str = "",
    start_excluding: str = "",
    end_including: str = "",
    end_excluding: str = "",
    scheme: Scheme = "generic",
) -> bool:
    """Whether `version` satisfies an NVD cpeMatch (or CVE 5 `affected`) range."""
    if exact and exact not in ("*", "-"):
        return compare(version, exact, scheme) == 0
    # (bound, the comparison results that satisfy it)
    checks: tuple[tuple[str, tuple[int, ...]], ...] = (
        (start_including, (0, 1)),
        (start_excluding, (1,)),
        (end_including, (-1, 0)),
        (end_excluding, (-1,)),
    )
    bounded = False
    for bound, accepted in checks:
        if bound:
            bounded = True
            if compare(version, bound, scheme) not in accepted:
                return False
    return bounded or exact == "*"


KEY_LENGTH = 16


@functools.lru_cache(maxsize=65536)
def sort_key(version: str, scheme: Scheme = "generic") -> tuple[tuple[int, int | str], ...]:
    """A tuple ordered exactly like `compare` (tokens padded with zeros): bisect and sort
    versions without calling `compare`."""
    parts = tokens(version, scheme)[:KEY_LENGTH]
    return parts + (_ZERO,) * (KEY_LENGTH - len(parts))
